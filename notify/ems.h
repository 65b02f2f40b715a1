/* kouan — the EMS (China Post) open-platform request envelope.
 *
 * What the platform expects (China Post "API开放平台", api.ems.com.cn, interface
 * spec for agreement customers; the spec itself is issued to customers, so this
 * was reconstructed from several independent public integrations that agree):
 *
 * - A POST of application/x-www-form-urlencoded fields: apiCode (the interface,
 *   e.g. "020003" create order, "040001" track query, "010004" label),
 *   senderNo (agreement customer number), authorization (authorisation code,
 *   different for test and production), msgType ("0"), timeStamp ("yyyy-MM-dd
 *   HH:mm:ss", Beijing time), version ("V1.0.0"), logitcsInterface (sic: the
 *   platform's spelling; the encrypted business JSON) and an optional userCode.
 *   The answer is JSON: retCode ("00000" success), retMsg, retBody, retDate,
 *   serialNo.
 * - logitcsInterface = "|$4|" + base64(SM4-ECB/PKCS#7 of UTF-8 text), keyed by
 *   the customer's sign key.  The sign key is issued as base64 of 16 bytes; the
 *   SM4 key is those 16 bytes.
 * - There is no separate signature field: the text that is encrypted is the
 *   business JSON followed by the sign key itself (its base64 text), which is
 *   how the platform authenticates the sender.  kn_ems_seal()/kn_ems_open() do
 *   that; kn_ems_encrypt()/kn_ems_decrypt() are the bare envelope (pushes from
 *   EMS are decrypted with kn_ems_decrypt()).
 * Assumed, not confirmed from the platform's own document: the field order (the
 * platform reads fields by name), msgType/version defaults, and that the sign
 * key is not appended to the JSON of pushes EMS sends back.
 *
 * Pure: libcrypto only, no I/O.  Results live in the caller's arena.
 */
#ifndef KN_EMS_H
#define KN_EMS_H

#include "arena.h"
#include "err.h"

#include <stddef.h>
#include <stdint.h>

#define KN_EMS_KEY_LEN 16
/* Marks SM4-ECB ciphertext ("|$|" was the platform's older AES-128 form). */
#define KN_EMS_PREFIX "|$4|"
/* Largest plain text (bytes) encrypted, and largest envelope text decrypted. */
#define KN_EMS_MAX_TEXT (1024 * 1024)
/* "yyyy-MM-dd HH:mm:ss" + NUL */
#define KN_EMS_TIMESTAMP_LEN 20

/* One request's form fields.  All borrowed, UTF-8, NUL-terminated. */
typedef struct {
    const char *api_code;          /* apiCode, e.g. "020003" (create order); required */
    const char *sender_no;         /* senderNo, agreement customer number; required */
    const char *authorization;     /* authorization code; required */
    const char *msg_type;          /* msgType; NULL sends "0" */
    const char *time_stamp;        /* timeStamp, see kn_ems_timestamp(); required */
    const char *version;           /* version; NULL sends "V1.0.0" */
    const char *logitcs_interface; /* the sealed body, "|$4|..."; required */
    const char *user_code;         /* userCode; NULL leaves the field out */
} kn_ems_request_t;

/* The 16-byte SM4 key from a sign key as configured: the platform's base64 form
 * (24 characters, e.g. "TvaBgrhE46sft3nZlfe7xw==") or 32 hex digits.  Returns
 * 0, or KN_ECONFIG with err filled (the key itself is never put in err). */
int kn_ems_key_parse(const char *text, unsigned char key[KN_EMS_KEY_LEN], kn_error_t *err);

/* "|$4|" + base64(SM4-ECB(key, PKCS#7-padded json)), NUL-terminated, in arena.
 * json is encrypted byte for byte (UTF-8 stays UTF-8).  NULL on error with err
 * filled: KN_ETOOBIG above KN_EMS_MAX_TEXT, KN_ENOMEM, KN_ECONFIG when
 * libcrypto has no SM4. */
char *kn_ems_encrypt(const unsigned char key[KN_EMS_KEY_LEN], const char *json, kn_arena_t *arena,
                     kn_error_t *err);

/* The inverse: the plain text of "|$4|<base64>" in arena, NUL-terminated, its
 * length in *len (it may hold NUL bytes).  NULL on error with err filled:
 * KN_EPARSE for a missing prefix, bad base64, a length that is not whole SM4
 * blocks, or bad padding (usually the wrong key); KN_ETOOBIG, KN_ENOMEM. */
char *kn_ems_decrypt(const unsigned char key[KN_EMS_KEY_LEN], const char *text, size_t *len,
                     kn_arena_t *arena, kn_error_t *err);

/* The logitcsInterface value of a request: kn_ems_encrypt() of json followed by
 * sign_key (the configured key text), under the key kn_ems_key_parse() reads
 * from sign_key.  NULL on error with err filled, as kn_ems_encrypt(). */
char *kn_ems_seal(const char *sign_key, const char *json, kn_arena_t *arena, kn_error_t *err);

/* The inverse, for the test sink: decrypt text and check that the plain text
 * ends with sign_key (constant-time); returns the JSON before it, length in
 * *len.  NULL on error: KN_EAUTH when the sign key is not there, otherwise as
 * kn_ems_decrypt() and kn_ems_key_parse(). */
char *kn_ems_open(const char *sign_key, const char *text, size_t *len, kn_arena_t *arena,
                  kn_error_t *err);

/* unix_s as the platform's timeStamp, "yyyy-MM-dd HH:mm:ss" in Beijing time
 * (UTC+8, no daylight saving), into out.  Returns 0, or KN_EINVAL when the
 * time cannot be represented. */
int kn_ems_timestamp(int64_t unix_s, char out[KN_EMS_TIMESTAMP_LEN]);

/* The request body: "apiCode=..&senderNo=..&authorization=..&msgType=..&
 * timeStamp=..&version=..&logitcsInterface=..[&userCode=..]", each value
 * percent-encoded as application/x-www-form-urlencoded (WHATWG URL; what Java's
 * URLEncoder and URLSearchParams produce): A-Z a-z 0-9 * - . _ kept, space as
 * '+', every other byte as %XX (upper case), so UTF-8 Chinese becomes %E9%82..
 * In arena; NULL on error with err filled: KN_EINVAL when a required field is
 * missing, KN_ETOOBIG, KN_ENOMEM. */
char *kn_ems_form(const kn_ems_request_t *req, kn_arena_t *arena, kn_error_t *err);

/* The inverse, for what EMS sends us and for the test sink: the fields of a
 * form body of len bytes (any order; unknown fields ignored) into req, each
 * NULL when absent, decoded into arena.  Whether required fields are there is
 * the caller's to check.  Returns 0, or KN_EPARSE (a bad %XX escape, a NUL
 * byte, a field given twice) / KN_ENOMEM with err filled. */
int kn_ems_form_read(const char *body, size_t len, kn_ems_request_t *req, kn_arena_t *arena,
                     kn_error_t *err);

#endif
