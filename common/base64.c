#include "base64.h"

#include <stdint.h>
#include <string.h>

static int s_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int kn_base64_decode(const char *text, size_t n, unsigned char *out, size_t outsize, size_t *outlen)
{
    if (n % 4)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int pad = 0;
        int v[4];
        for (int j = 0; j < 4; j++) {
            unsigned char c = (unsigned char)text[i + j];
            if (c == '=' && i + 4 == n && j >= 2) {
                pad++;
                v[j] = 0;
                continue;
            }
            if (pad) /* a character after '=' */
                return -1;
            v[j] = s_b64_value(c);
            if (v[j] < 0)
                return -1;
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        unsigned char b[3] = {(unsigned char)(w >> 16), (unsigned char)(w >> 8), (unsigned char)w};
        size_t k = 3 - (size_t)pad;
        if (o + k > outsize)
            return -1;
        memcpy(out + o, b, k);
        o += k;
    }
    *outlen = o;
    return 0;
}
