/* kouan — strict Base64 decoding (RFC 4648 §4: padded, no whitespace).
 * Encoding is OpenSSL's EVP_EncodeBlock; its decoder is lenient about
 * whitespace and padding, which signatures and keys must not be. */
#ifndef KN_BASE64_H
#define KN_BASE64_H

#include <stddef.h>

/* Decode the n characters at text into out (at most outsize bytes), setting
 * *outlen.  Returns 0, or -1 when the text is malformed or does not fit. */
int kn_base64_decode(const char *text, size_t n, unsigned char *out, size_t outsize,
                     size_t *outlen);

#endif
