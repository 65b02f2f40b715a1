/* kouan — EMS open-platform envelope: SM4-ECB, base64, form fields (ems.h). */
#include "ems.h"
#include "base64.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define S_BLOCK 16
/* a form value longer than this is refused (a sealed KN_EMS_MAX_TEXT is ~1.4 MB) */
#define S_FORM_VALUE_MAX (4 * (size_t)KN_EMS_MAX_TEXT)

static int s_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int kn_ems_key_parse(const char *text, unsigned char key[KN_EMS_KEY_LEN], kn_error_t *err)
{
    assert(text && key);
    size_t n = strlen(text);
    if (n == 2 * KN_EMS_KEY_LEN) {
        int ok = 1;
        for (size_t i = 0; i < KN_EMS_KEY_LEN && ok; i++) {
            int hi = s_hex_value((unsigned char)text[2 * i]);
            int lo = s_hex_value((unsigned char)text[2 * i + 1]);
            ok = hi >= 0 && lo >= 0;
            key[i] = (unsigned char)(ok ? hi << 4 | lo : 0);
        }
        if (ok)
            return 0;
    } else {
        size_t got = 0;
        if (kn_base64_decode(text, n, key, KN_EMS_KEY_LEN, &got) == 0 && got == KN_EMS_KEY_LEN)
            return 0;
    }
    OPENSSL_cleanse(key, KN_EMS_KEY_LEN);
    return kn_error_set(err, KN_ECONFIG, "",
                        "ems: sign key is neither base64 of %d bytes nor %d hexadecimal digits",
                        KN_EMS_KEY_LEN, 2 * KN_EMS_KEY_LEN);
}

/* "|$4|" + base64(SM4-ECB(a || b)) in arena. */
static char *s_encrypt(const unsigned char key[KN_EMS_KEY_LEN], const char *a, size_t alen,
                       const char *b, size_t blen, kn_arena_t *arena, kn_error_t *err)
{
    char *result = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    if (alen > KN_EMS_MAX_TEXT || blen > KN_EMS_MAX_TEXT - alen) {
        kn_error_set(err, KN_ETOOBIG, "", "ems: plain text of %zu bytes exceeds the limit of %d",
                     alen + blen, KN_EMS_MAX_TEXT);
        goto out;
    }
    size_t ctlen = ((alen + blen) / S_BLOCK + 1) * S_BLOCK;
    size_t b64len = 4 * ((ctlen + 2) / 3);
    size_t plen = strlen(KN_EMS_PREFIX);
    unsigned char *ct = kn_arena_alloc(arena, ctlen);
    char *text = kn_arena_alloc(arena, plen + b64len + 1);
    ctx = EVP_CIPHER_CTX_new();
    if (!ct || !text || !ctx) {
        kn_error_set(err, KN_ENOMEM, "", "ems: out of memory");
        goto out;
    }
    const EVP_CIPHER *sm4 = EVP_sm4_ecb();
    if (!sm4 || !EVP_EncryptInit_ex(ctx, sm4, NULL, key, NULL)) {
        kn_error_set(err, KN_ECONFIG, "", "ems: this libcrypto has no SM4-ECB");
        goto out;
    }
    int n1 = 0, n2 = 0, n3 = 0;
    if (!EVP_EncryptUpdate(ctx, ct, &n1, (const unsigned char *)a, (int)alen) ||
        !EVP_EncryptUpdate(ctx, ct + n1, &n2, (const unsigned char *)b, (int)blen) ||
        !EVP_EncryptFinal_ex(ctx, ct + n1 + n2, &n3) || (size_t)(n1 + n2 + n3) != ctlen) {
        kn_error_set(err, KN_ENOMEM, "", "ems: SM4-ECB encryption failed in libcrypto");
        goto out;
    }
    memcpy(text, KN_EMS_PREFIX, plen);
    EVP_EncodeBlock((unsigned char *)text + plen, ct, (int)ctlen);
    result = text;
out:
    EVP_CIPHER_CTX_free(ctx);
    return result;
}

char *kn_ems_encrypt(const unsigned char key[KN_EMS_KEY_LEN], const char *json, kn_arena_t *arena,
                     kn_error_t *err)
{
    assert(key && json && arena);
    size_t n = strnlen(json, (size_t)KN_EMS_MAX_TEXT + 1);
    return s_encrypt(key, json, n, "", 0, arena, err);
}

char *kn_ems_decrypt(const unsigned char key[KN_EMS_KEY_LEN], const char *text, size_t *len,
                     kn_arena_t *arena, kn_error_t *err)
{
    assert(key && text && len && arena);
    static const char pos[] = "logitcsInterface";
    char *result = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    size_t plen = strlen(KN_EMS_PREFIX);
    *len = 0;
    if (strncmp(text, KN_EMS_PREFIX, plen) != 0) {
        kn_error_set(err, KN_EPARSE, pos, "ems: text does not start with \"%s\" (SM4-ECB)",
                     KN_EMS_PREFIX);
        goto out;
    }
    const char *b64 = text + plen;
    size_t n = strnlen(b64, (size_t)KN_EMS_MAX_TEXT + 1);
    if (n > KN_EMS_MAX_TEXT) {
        kn_error_set(err, KN_ETOOBIG, pos, "ems: ciphertext exceeds the limit of %d characters",
                     KN_EMS_MAX_TEXT);
        goto out;
    }
    size_t cap = n / 4 * 3;
    unsigned char *ct = kn_arena_alloc(arena, cap + 1);
    unsigned char *pt = kn_arena_alloc(arena, cap + S_BLOCK + 1);
    ctx = EVP_CIPHER_CTX_new();
    if (!ct || !pt || !ctx) {
        kn_error_set(err, KN_ENOMEM, pos, "ems: out of memory");
        goto out;
    }
    size_t ctlen = 0;
    if (kn_base64_decode(b64, n, ct, cap, &ctlen) != 0) {
        kn_error_set(err, KN_EPARSE, pos, "ems: ciphertext after \"%s\" is not padded base64",
                     KN_EMS_PREFIX);
        goto out;
    }
    if (ctlen == 0 || ctlen % S_BLOCK) {
        kn_error_set(err, KN_EPARSE, pos,
                     "ems: ciphertext of %zu bytes is not a whole number of %d-byte SM4 blocks",
                     ctlen, S_BLOCK);
        goto out;
    }
    const EVP_CIPHER *sm4 = EVP_sm4_ecb();
    if (!sm4 || !EVP_DecryptInit_ex(ctx, sm4, NULL, key, NULL)) {
        kn_error_set(err, KN_ECONFIG, pos, "ems: this libcrypto has no SM4-ECB");
        goto out;
    }
    int n1 = 0, n2 = 0;
    if (!EVP_DecryptUpdate(ctx, pt, &n1, ct, (int)ctlen)) {
        kn_error_set(err, KN_EPARSE, pos, "ems: SM4-ECB decryption failed");
        goto out;
    }
    if (!EVP_DecryptFinal_ex(ctx, pt + n1, &n2)) {
        kn_error_set(err, KN_EPARSE, pos,
                     "ems: bad PKCS#7 padding after decryption (wrong key or damaged text)");
        goto out;
    }
    pt[n1 + n2] = '\0';
    *len = (size_t)(n1 + n2);
    result = (char *)pt;
out:
    EVP_CIPHER_CTX_free(ctx);
    return result;
}

char *kn_ems_seal(const char *sign_key, const char *json, kn_arena_t *arena, kn_error_t *err)
{
    assert(sign_key && json && arena);
    unsigned char key[KN_EMS_KEY_LEN];
    if (kn_ems_key_parse(sign_key, key, err) != 0)
        return NULL;
    size_t n = strnlen(json, (size_t)KN_EMS_MAX_TEXT + 1);
    char *text = s_encrypt(key, json, n, sign_key, strlen(sign_key), arena, err);
    OPENSSL_cleanse(key, sizeof key);
    return text;
}

char *kn_ems_open(const char *sign_key, const char *text, size_t *len, kn_arena_t *arena,
                  kn_error_t *err)
{
    assert(sign_key && text && len && arena);
    unsigned char key[KN_EMS_KEY_LEN];
    *len = 0;
    if (kn_ems_key_parse(sign_key, key, err) != 0)
        return NULL;
    size_t plain_len = 0;
    char *plain = kn_ems_decrypt(key, text, &plain_len, arena, err);
    OPENSSL_cleanse(key, sizeof key);
    if (!plain)
        return NULL;
    size_t klen = strlen(sign_key);
    if (plain_len < klen || CRYPTO_memcmp(plain + plain_len - klen, sign_key, klen) != 0) {
        kn_error_set(err, KN_EAUTH, "logitcsInterface",
                     "ems: decrypted text does not end with the sign key");
        return NULL;
    }
    plain[plain_len - klen] = '\0';
    *len = plain_len - klen;
    return plain;
}

int kn_ems_timestamp(int64_t unix_s, char out[KN_EMS_TIMESTAMP_LEN])
{
    assert(out);
    enum { BEIJING = 8 * 3600 };
    /* 1000-01-01 00:00:00 to 9999-12-31 23:59:59 Beijing time */
    if (unix_s < INT64_C(-30610224000) - BEIJING || unix_s > INT64_C(253402300799) - BEIJING)
        return KN_EINVAL;
    time_t t = (time_t)(unix_s + BEIJING);
    struct tm tm;
    if ((int64_t)t != unix_s + BEIJING || !gmtime_r(&t, &tm))
        return KN_EINVAL;
    char buf[64];
    if (strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm) != KN_EMS_TIMESTAMP_LEN - 1)
        return KN_EINVAL; /* a year of other than four digits */
    memcpy(out, buf, KN_EMS_TIMESTAMP_LEN);
    return 0;
}

static int s_form_keeps(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '*' ||
           c == '-' || c == '.' || c == '_';
}

/* Append value percent-encoded at out; returns the end. */
static char *s_form_encode(char *out, const char *value)
{
    static const char digits[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (s_form_keeps(*p)) {
            *out++ = (char)*p;
        } else if (*p == ' ') {
            *out++ = '+';
        } else {
            *out++ = '%';
            *out++ = digits[*p >> 4];
            *out++ = digits[*p & 0x0f];
        }
    }
    return out;
}

char *kn_ems_form(const kn_ems_request_t *req, kn_arena_t *arena, kn_error_t *err)
{
    assert(req && arena);
    const struct {
        const char *name;
        const char *value;
        int required;
    } fields[] = {
        {"apiCode", req->api_code, 1},
        {"senderNo", req->sender_no, 1},
        {"authorization", req->authorization, 1},
        {"msgType", req->msg_type ? req->msg_type : "0", 1},
        {"timeStamp", req->time_stamp, 1},
        {"version", req->version ? req->version : "V1.0.0", 1},
        {"logitcsInterface", req->logitcs_interface, 1},
        {"userCode", req->user_code, 0},
    };
    enum { NFIELDS = sizeof fields / sizeof fields[0] };

    size_t total = 1;
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *v = fields[i].value;
        if (!v || !v[0]) {
            if (fields[i].required) {
                kn_error_set(err, KN_EINVAL, fields[i].name, "ems: form field %s is missing",
                             fields[i].name);
                return NULL;
            }
            continue;
        }
        size_t vlen = strnlen(v, S_FORM_VALUE_MAX + 1);
        if (vlen > S_FORM_VALUE_MAX) {
            kn_error_set(err, KN_ETOOBIG, fields[i].name, "ems: form field %s exceeds %zu bytes",
                         fields[i].name, S_FORM_VALUE_MAX);
            return NULL;
        }
        size_t enc = 0;
        for (size_t j = 0; j < vlen; j++) {
            unsigned char c = (unsigned char)v[j];
            enc += s_form_keeps(c) || c == ' ' ? 1 : 3;
        }
        total += strlen(fields[i].name) + 2 + enc; /* '&' name '=' value */
    }

    char *body = kn_arena_alloc(arena, total);
    if (!body) {
        kn_error_set(err, KN_ENOMEM, "", "ems: out of memory");
        return NULL;
    }
    char *p = body;
    for (size_t i = 0; i < NFIELDS; i++) {
        if (!fields[i].value || !fields[i].value[0])
            continue;
        if (p != body)
            *p++ = '&';
        size_t nlen = strlen(fields[i].name);
        memcpy(p, fields[i].name, nlen);
        p += nlen;
        *p++ = '=';
        p = s_form_encode(p, fields[i].value);
    }
    *p = '\0';
    assert((size_t)(p - body) < total);
    return body;
}

/* application/x-www-form-urlencoded text of n bytes as a NUL-terminated
 * string in arena: '+' is a space, %XX a byte.  NULL on a bad escape, a NUL
 * byte (KN_EPARSE) or no memory, with err filled. */
static char *s_form_unescape(const char *s, size_t n, kn_arena_t *arena, kn_error_t *err)
{
    char *out = kn_arena_alloc(arena, n + 1);
    if (!out) {
        kn_error_set(err, KN_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < n ? s_hex_value((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? s_hex_value((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                kn_error_set(err, KN_EPARSE, NULL, "bad percent-encoding at byte %zu", i);
                return NULL;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0') {
            kn_error_set(err, KN_EPARSE, NULL, "a NUL byte in a field");
            return NULL;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

int kn_ems_form_read(const char *body, size_t len, kn_ems_request_t *req, kn_arena_t *arena,
                     kn_error_t *err)
{
    assert(body && req && arena);
    memset(req, 0, sizeof *req);
    const struct {
        const char *name;
        const char **value;
    } fields[] = {
        {"apiCode", &req->api_code},
        {"senderNo", &req->sender_no},
        {"authorization", &req->authorization},
        {"msgType", &req->msg_type},
        {"timeStamp", &req->time_stamp},
        {"version", &req->version},
        {"logitcsInterface", &req->logitcs_interface},
        {"userCode", &req->user_code},
    };
    size_t pos = 0;
    while (pos < len) {
        const char *pair = body + pos;
        const char *amp = memchr(pair, '&', len - pos);
        size_t plen = amp ? (size_t)(amp - pair) : len - pos;
        pos += plen + 1;
        if (plen == 0)
            continue;
        const char *eq = memchr(pair, '=', plen);
        size_t klen = eq ? (size_t)(eq - pair) : plen;
        const char *key = s_form_unescape(pair, klen, arena, err);
        if (!key)
            return err->code;
        const char *value = eq ? s_form_unescape(eq + 1, plen - klen - 1, arena, err) : "";
        if (!value) {
            char inner[sizeof err->message];
            snprintf(inner, sizeof inner, "%s", err->message);
            return kn_error_set(err, err->code, key, "field %.64s: %s", key, inner);
        }
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            if (strcmp(key, fields[f].name) != 0)
                continue;
            if (*fields[f].value)
                return kn_error_set(err, KN_EPARSE, key, "field %s appears twice", key);
            *fields[f].value = value;
        }
    }
    return 0;
}
