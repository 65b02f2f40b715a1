/* kouan — Standard Webhooks and DCSA signatures (see sign.h). */
#include "sign.h"
#include "base64.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define S_SECRET_PREFIX "whsec_"
#define S_MAC_LEN 32
/* base64 text of KN_SIGN_KEY_MAX bytes */
#define S_SECRET_B64_MAX (4 * ((KN_SIGN_KEY_MAX + 2) / 3))
/* room for the decoded text of S_SECRET_B64_MAX characters */
#define S_KEY_BUF (S_SECRET_B64_MAX / 4 * 3)
/* base64 text of a MAC: 44 characters */
#define S_MAC_B64_LEN (4 * ((S_MAC_LEN + 2) / 3))

/* A piece of the signed content; the MAC runs over the pieces in order so the
 * body is never copied. */
typedef struct {
    const void *data;
    size_t len;
} s_piece_t;

/* HMAC-SHA256 of the pieces under key; 0 or -1 when libcrypto fails. */
static int s_hmac(const void *key, size_t keylen, const s_piece_t *pieces, size_t npieces,
                  unsigned char mac[S_MAC_LEN])
{
    int rc = -1;
    EVP_MAC *alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = alg ? EVP_MAC_CTX_new(alg) : NULL;
    if (!ctx)
        goto out;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    /* a NULL key means "keep the previous one" to EVP_MAC_init */
    static const unsigned char empty[1];
    if (!EVP_MAC_init(ctx, keylen ? key : empty, keylen, params))
        goto out;
    for (size_t i = 0; i < npieces; i++)
        if (pieces[i].len && !EVP_MAC_update(ctx, pieces[i].data, pieces[i].len))
            goto out;
    size_t maclen = 0;
    if (!EVP_MAC_final(ctx, mac, &maclen, S_MAC_LEN) || maclen != S_MAC_LEN)
        goto out;
    rc = 0;
out:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(alg);
    return rc;
}

/* The key bytes of a "whsec_<base64>" secret. */
static int s_webhook_key(const char *secret, unsigned char key[S_KEY_BUF], size_t *keylen,
                         kn_error_t *err)
{
    size_t plen = strlen(S_SECRET_PREFIX);
    if (strncmp(secret, S_SECRET_PREFIX, plen) != 0)
        return kn_error_set(err, KN_ECONFIG, "", "webhook: secret does not start with \"%s\"",
                            S_SECRET_PREFIX);
    const char *b64 = secret + plen;
    size_t n = strlen(b64);
    if (n > S_SECRET_B64_MAX)
        return kn_error_set(err, KN_ECONFIG, "",
                            "webhook: secret is too long, at most %d key bytes are allowed",
                            KN_SIGN_KEY_MAX);
    if (kn_base64_decode(b64, n, key, S_KEY_BUF, keylen) != 0)
        return kn_error_set(err, KN_ECONFIG, "",
                            "webhook: secret after \"%s\" is not padded standard base64",
                            S_SECRET_PREFIX);
    if (*keylen < KN_SIGN_KEY_MIN || *keylen > KN_SIGN_KEY_MAX)
        return kn_error_set(err, KN_ECONFIG, "",
                            "webhook: secret holds %zu key bytes, expected %d to %d", *keylen,
                            KN_SIGN_KEY_MIN, KN_SIGN_KEY_MAX);
    return 0;
}

int kn_sign_webhook(const char *secret, const char *msg_id, int64_t timestamp, const void *body,
                    size_t len, char *out, size_t outsize, kn_error_t *err)
{
    (void)outsize; /* checked by assert only */
    assert(secret && msg_id && (body || len == 0) && out);
    assert(outsize >= KN_SIGN_WEBHOOK_MAX);
    out[0] = '\0';
    if (!msg_id[0] || strchr(msg_id, '.'))
        return kn_error_set(err, KN_EINVAL, "webhook-id",
                            "webhook: message id must be non-empty and hold no '.'");

    unsigned char key[S_KEY_BUF];
    unsigned char mac[S_MAC_LEN];
    size_t keylen = 0;
    int rc = s_webhook_key(secret, key, &keylen, err);
    if (rc != 0)
        goto out;

    char ts[24];
    snprintf(ts, sizeof ts, "%" PRId64, timestamp);
    const s_piece_t pieces[] = {
        {msg_id, strlen(msg_id)}, {".", 1}, {ts, strlen(ts)}, {".", 1}, {body, len}};
    if (s_hmac(key, keylen, pieces, sizeof pieces / sizeof pieces[0], mac) != 0) {
        rc = kn_error_set(err, KN_ENOMEM, "", "webhook: HMAC-SHA256 failed in libcrypto");
        goto out;
    }
    memcpy(out, "v1,", 3);
    EVP_EncodeBlock((unsigned char *)out + 3, mac, S_MAC_LEN);
out:
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(mac, sizeof mac);
    return rc;
}

int kn_sign_webhook_verify(const char *secret, const char *msg_id, int64_t timestamp,
                           const void *body, size_t len, const char *header, int64_t now,
                           int64_t tolerance_s, kn_error_t *err)
{
    assert(secret && msg_id && (body || len == 0) && header);
    assert(tolerance_s >= 0);

    int64_t age;
    if (__builtin_sub_overflow(now, timestamp, &age) || age > tolerance_s || age < -tolerance_s)
        return kn_error_set(err, KN_EAUTH, "webhook-timestamp",
                            "webhook: timestamp %" PRId64 " is outside %" PRId64
                            " s of the current time %" PRId64,
                            timestamp, tolerance_s, now);

    char expected[KN_SIGN_WEBHOOK_MAX];
    int rc = kn_sign_webhook(secret, msg_id, timestamp, body, len, expected, sizeof expected, err);
    if (rc == KN_EINVAL)
        return kn_error_set(err, KN_EAUTH, "webhook-id",
                            "webhook: message id is empty or holds a '.'");
    if (rc != 0)
        return rc;

    /* Try every "v1," entry; the loop does not stop early so its time does not
     * depend on which entry matched. */
    const char *want = expected + 3;
    int matched = 0;
    const char *p = header;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        size_t n = (size_t)(end - p);
        if (n == 3 + S_MAC_B64_LEN && memcmp(p, "v1,", 3) == 0)
            matched |= CRYPTO_memcmp(p + 3, want, S_MAC_B64_LEN) == 0;
        p = end;
    }
    OPENSSL_cleanse(expected, sizeof expected);
    if (!matched)
        return kn_error_set(err, KN_EAUTH, "webhook-signature",
                            "webhook: no v1 signature matches the secret, id, timestamp and body");
    return 0;
}

int kn_sign_webhook_secret(char *out, size_t outsize)
{
    (void)outsize; /* checked by assert only */
    assert(out && outsize >= KN_SIGN_SECRET_MAX);
    unsigned char raw[KN_SIGN_KEY_MIN];
    out[0] = '\0';
    if (RAND_bytes(raw, sizeof raw) != 1)
        return KN_EIO;
    size_t plen = strlen(S_SECRET_PREFIX);
    memcpy(out, S_SECRET_PREFIX, plen);
    EVP_EncodeBlock((unsigned char *)out + plen, raw, sizeof raw);
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

static void s_hex(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

int kn_sign_dcsa(const void *secret, size_t secret_len, const void *body, size_t len, char *out,
                 size_t outsize)
{
    (void)outsize; /* checked by assert only */
    assert(secret && secret_len > 0 && (body || len == 0) && out);
    assert(outsize >= KN_SIGN_DCSA_MAX);
    out[0] = '\0';
    unsigned char mac[S_MAC_LEN];
    const s_piece_t piece = {body, len};
    if (s_hmac(secret, secret_len, &piece, 1, mac) != 0)
        return KN_ENOMEM;
    memcpy(out, "sha256=", 7);
    s_hex(mac, sizeof mac, out + 7);
    OPENSSL_cleanse(mac, sizeof mac);
    return 0;
}

int kn_sign_dcsa_verify(const void *secret, size_t secret_len, const void *body, size_t len,
                        const char *value, kn_error_t *err)
{
    assert(value);
    static const char prefix[] = "sha256=";
    size_t plen = sizeof prefix - 1;
    if (strncmp(value, prefix, plen) != 0)
        return kn_error_set(err, KN_EAUTH, "Notification-Signature",
                            "dcsa: signature does not start with \"%s\"", prefix);
    const char *hex = value + plen;
    char got[2 * S_MAC_LEN + 1];
    size_t n = 0;
    for (; hex[n]; n++) {
        char c = hex[n];
        if (n == 2 * S_MAC_LEN ||
            !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return kn_error_set(err, KN_EAUTH, "Notification-Signature",
                                "dcsa: signature is not %d hexadecimal digits", 2 * S_MAC_LEN);
        got[n] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    }
    if (n != 2 * S_MAC_LEN)
        return kn_error_set(err, KN_EAUTH, "Notification-Signature",
                            "dcsa: signature is not %d hexadecimal digits", 2 * S_MAC_LEN);
    got[n] = '\0';

    char expected[KN_SIGN_DCSA_MAX];
    if (kn_sign_dcsa(secret, secret_len, body, len, expected, sizeof expected) != 0)
        return kn_error_set(err, KN_ENOMEM, "", "dcsa: HMAC-SHA256 failed in libcrypto");
    int same = CRYPTO_memcmp(got, expected + plen, 2 * S_MAC_LEN) == 0;
    OPENSSL_cleanse(expected, sizeof expected);
    if (!same)
        return kn_error_set(err, KN_EAUTH, "Notification-Signature",
                            "dcsa: signature does not match the body");
    return 0;
}
