/* kouan — certificates of origin by EMS: the steps (see certificate.h). */
#include "certificate.h"
#include "ems.h"
#include "err.h"
#include "status.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_CODE_DIGITS 6
#define S_KEY_MIN 16

static const char s_outbox[] =
    "WITH o AS (INSERT INTO outbox (notification_id, endpoint, order_key, kind, body) "
    "VALUES ($1, $2, $3, $4, $5) RETURNING 1) SELECT pg_notify('kouan_outbox', '') FROM o";

static const char s_history[] =
    "INSERT INTO certificate_event (certificate_id, status, detail) VALUES ($1, $2, $3)";

/* Run a statement; the result in *res when asked for.  0 or KN_EDB. */
static int s_exec(PGconn *conn, const char *sql, int n, const char *const *values, PGresult **res,
                  char *errbuf, size_t errsize)
{
    PGresult *r = PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        snprintf(errbuf, errsize, "%s", PQerrorMessage(conn));
        errbuf[strcspn(errbuf, "\n")] = '\0';
        PQclear(r);
        return KN_EDB;
    }
    if (res)
        *res = r;
    else
        PQclear(r);
    return 0;
}

int kn_certificate_tell_agent(PGconn *conn, const kn_config_t *cfg, const char *no,
                              const char *step, const char *zh, const char *en, char *errbuf,
                              size_t errsize)
{
    if (!kn_config_str(cfg, "notify", "miniprogram_url")[0])
        return 0;
    /* a step may come again (a second deposit): the time makes it a new one */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char id[192], uuid[40], key[140];
    snprintf(id, sizeof id, "CO-%s-%s-%lld%03ld", no, step, (long long)now.tv_sec,
             now.tv_nsec / 1000000);
    snprintf(key, sizeof key, "miniprogram:cert:%s", no);
    json_t *o =
        kn_status_uuid(id, uuid)
            ? NULL
            : json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}}", "eventID", uuid, "eventType",
                        "SHIPMENT", "shipmentEventTypeCode", "ISSU", "statusLine", "zh", zh, "en",
                        en, "kouan", "certificateNo", no, "step", step);
    char *body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!body) {
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    const char *v[5] = {id, "miniprogram", key, "certificate-status", body};
    int rc = s_exec(conn, s_outbox, 5, v, NULL, errbuf, errsize);
    free(body);
    return rc;
}

/* The push's JSON, opened with the sign key; NULL with msg filled. */
static json_t *s_open_push(const kn_config_t *cfg, const char *form, size_t len, int *rc, char *msg,
                           size_t msgsize)
{
    json_t *push = NULL;
    char *keytext = NULL;
    size_t klen = 0;
    kn_arena_t *arena = kn_arena_new(8192);
    const char *keyfile = kn_config_str(cfg, "notify", "ems_key_file");
    FILE *k = fopen(keyfile, "rb");
    *rc = KN_ECONFIG;
    if (!arena || !k || getline(&keytext, &klen, k) < 0) {
        snprintf(msg, msgsize, "%s",
                 !arena ? "out of memory" : "cannot read [notify] ems_key_file");
        *rc = arena ? KN_ECONFIG : KN_ENOMEM;
        goto out;
    }
    keytext[strcspn(keytext, "\r\n \t")] = '\0';
    kn_ems_request_t fields;
    kn_error_t err = {0};
    *rc = KN_EPARSE;
    if (kn_ems_form_read(form, len, &fields, arena, &err) != 0 || !fields.logitcs_interface) {
        snprintf(msg, msgsize, "%s",
                 fields.logitcs_interface || err.code ? err.message : "no logitcsInterface field");
        goto out;
    }
    unsigned char key[KN_EMS_KEY_LEN];
    size_t plen = 0;
    char *text = kn_ems_key_parse(keytext, key, &err) == 0
                     ? kn_ems_decrypt(key, fields.logitcs_interface, &plen, arena, &err)
                     : NULL;
    OPENSSL_cleanse(key, sizeof key);
    json_error_t jerr;
    push = text ? json_loadb(text, plen, 0, &jerr) : NULL;
    if (!push) {
        snprintf(msg, msgsize, "%s", text ? jerr.text : err.message);
        goto out;
    }
    *rc = 0;
out:
    if (keytext)
        OPENSSL_cleanse(keytext, strlen(keytext));
    free(keytext);
    if (k)
        fclose(k);
    kn_arena_destroy(&arena);
    return push;
}

int kn_certificate_ems_push(PGconn *conn, const kn_config_t *cfg, const char *form, size_t len,
                            char *msg, size_t msgsize)
{
    int rc;
    PGresult *res = NULL;
    json_t *push = s_open_push(cfg, form, len, &rc, msg, msgsize);
    if (!push)
        return rc;
    const char *waybill = json_string_value(json_object_get(push, "waybillNo"));
    const char *op = json_string_value(json_object_get(push, "opCode"));
    const char *opname = json_string_value(json_object_get(push, "opName"));
    if (!waybill || !op || !opname) {
        snprintf(msg, msgsize, "waybillNo, opCode and opName are required");
        rc = KN_EPARSE;
        goto out;
    }
    /* EMS operation codes (as integrations document them): 203 accepted at
     * the post office, 704 delivered; anything else is on its way */
    const char *status = !strcmp(op, "704") ? "delivered" : "in_transit";
    /* found by the waybill, or by our order number when EMS's answer to the
     * order was lost; a late push never takes a delivered one back */
    const char *order_no = json_string_value(json_object_get(push, "logisticsOrderNo"));
    const char *v[3] = {waybill, status, order_no};
    rc = s_exec(conn,
                "UPDATE certificate SET status = CASE WHEN status = 'delivered' THEN status "
                "ELSE $2 END, ems_waybill_no = $1, updated_at = now() "
                "WHERE ems_waybill_no = $1 OR (ems_waybill_no IS NULL AND ems_order_no = $3) "
                "RETURNING id, certificate_no",
                3, v, &res, msg, msgsize);
    if (rc)
        goto out;
    if (PQntuples(res) == 0) {
        snprintf(msg, msgsize, "no certificate travels as waybill %s", waybill);
        rc = KN_ENOTFOUND;
        goto out;
    }
    char id[32], no[96], detail[256], step[64], zh[256], en[256];
    snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
    snprintf(no, sizeof no, "%s", PQgetvalue(res, 0, 1));
    snprintf(detail, sizeof detail, "EMS %s %s: %s", waybill, op, opname);
    snprintf(step, sizeof step, "ems-%s", op);
    snprintf(zh, sizeof zh, "EMS %s：%s", waybill, opname);
    snprintf(en, sizeof en, "EMS %s: %s", waybill,
             !strcmp(status, "delivered") ? "delivered" : "on its way");
    const char *h[3] = {id, status, detail};
    rc = s_exec(conn, s_history, 3, h, NULL, msg, msgsize);
    if (!rc)
        rc = kn_certificate_tell_agent(conn, cfg, no, step, zh, en, msg, msgsize);
    if (!rc)
        snprintf(msg, msgsize, "certificate %s: %s", no, detail);
out:
    PQclear(res);
    json_decref(push);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* the pickup code                                                          */

int kn_certificate_key_read(const kn_config_t *cfg, kn_certificate_key_t *key, char *errbuf,
                            size_t errsize)
{
    const char *path = kn_config_str(cfg, "certificate", "code_key_file");
    FILE *f = fopen(path, "rb");
    key->len = f ? fread(key->bytes, 1, sizeof key->bytes, f) : 0;
    bool more = f && fgetc(f) != EOF;
    if (f)
        fclose(f);
    if (key->len >= S_KEY_MIN && !more)
        return 0;
    snprintf(errbuf, errsize,
             "[certificate] code_key_file %s: %s (create it once with: head -c 32 "
             "/dev/urandom > %s; chmod 600 %s)",
             path, !f ? "cannot be read" : "must hold 16 to 64 bytes", path, path);
    OPENSSL_cleanse(key, sizeof *key);
    return KN_ECONFIG;
}

/* hex HMAC-SHA256 under key of salt and code, into out[65] */
static int s_code_hash(const kn_certificate_key_t *key, const char *salt, const char *code,
                       char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE], msg[64];
    unsigned int len = 0;
    size_t slen = strlen(salt), clen = strlen(code);
    if (slen + clen > sizeof msg)
        return KN_EINVAL;
    memcpy(msg, salt, slen);
    memcpy(msg + slen, code, clen);
    bool ok = HMAC(EVP_sha256(), key->bytes, (int)key->len, msg, slen + clen, md, &len) != NULL;
    OPENSSL_cleanse(msg, sizeof msg);
    if (!ok)
        return KN_ENOMEM;
    for (unsigned i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* A uniform random decimal code (rejection sampling: no modulo bias). */
static int s_new_code(char out[S_CODE_DIGITS + 1])
{
    for (int i = 0; i < S_CODE_DIGITS; i++) {
        unsigned char b;
        do {
            if (RAND_bytes(&b, 1) != 1)
                return KN_EIO;
        } while (b >= 250);
        out[i] = (char)('0' + b % 10);
    }
    out[S_CODE_DIGITS] = '\0';
    return 0;
}

static int s_new_salt(char out[33])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return KN_EIO;
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* the steps                                                                */

static void s_result(kn_certificate_result_t *res, kn_certificate_outcome_t outcome,
                     const char *status)
{
    res->outcome = outcome;
    snprintf(res->status, sizeof res->status, "%s", status ? status : "");
}

bool kn_certificate_phone_valid(const char *phone)
{
    size_t n = strlen(phone);
    return n == 11 && strspn(phone, "0123456789") == n && phone[0] == '1';
}

/* A text field: present, at most max bytes, no control characters (it goes
 * into an SMS or an EMS order).  0, or KN_EINVAL with res->message naming it. */
static int s_check_text(const char *name, const char *value, size_t max,
                        kn_certificate_result_t *res)
{
    size_t n = value ? strlen(value) : 0;
    bool control = false;
    for (size_t i = 0; i < n; i++)
        control = control || (unsigned char)value[i] < ' ' || value[i] == 0x7f;
    if (n == 0)
        snprintf(res->message, sizeof res->message, "%s is required", name);
    else if (n > max)
        snprintf(res->message, sizeof res->message, "%s is longer than %zu bytes", name, max);
    else if (control)
        snprintf(res->message, sizeof res->message, "%s has a control character", name);
    else
        return 0;
    return KN_EINVAL;
}

int kn_certificate_request(PGconn *conn, const kn_config_t *cfg, const kn_certificate_request_t *r,
                           kn_certificate_result_t *res)
{
    s_result(res, KN_CERTIFICATE_UNKNOWN, NULL);
    res->message[0] = '\0';
    const char *f[8] = {r->certificate_no, r->agent, r->phone,  r->name,
                        r->prov,           r->city,  r->county, r->address};
    static const char *const names[8] = {"certificateNo", "agent", "phone",  "name",
                                         "prov",          "city",  "county", "address"};
    for (int i = 0; i < 8; i++)
        if (s_check_text(names[i], f[i], i == 0 ? KN_CERTIFICATE_NO_MAX : KN_CERTIFICATE_FIELD_MAX,
                         res))
            return KN_EINVAL;
    if (!kn_certificate_phone_valid(r->phone)) {
        snprintf(res->message, sizeof res->message,
                 "phone %s is not a mainland mobile number (11 digits starting with 1)", r->phone);
        return KN_EINVAL;
    }
    const char *no = r->certificate_no;
    PGresult *row = NULL;
    int rc = s_exec(conn,
                    "INSERT INTO certificate (certificate_no, agent, phone, recipient_name, "
                    "recipient_prov, recipient_city, recipient_county, recipient_address, "
                    "status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'requested') "
                    "ON CONFLICT (certificate_no) DO NOTHING RETURNING id",
                    8, f, &row, res->message, sizeof res->message);
    if (rc)
        return rc;
    if (PQntuples(row) == 0) {
        PQclear(row);
        s_result(res, KN_CERTIFICATE_EXISTS, NULL);
        snprintf(res->message, sizeof res->message, "certificate %s was requested already", no);
        return 0;
    }
    char id[32];
    snprintf(id, sizeof id, "%s", PQgetvalue(row, 0, 0));
    PQclear(row);
    const char *h[3] = {id, "requested", "mailing requested by the agent"};
    rc = s_exec(conn, s_history, 3, h, NULL, res->message, sizeof res->message);
    if (!rc)
        rc = kn_certificate_tell_agent(conn, cfg, no, "requested", "原产地证书邮寄申请已受理",
                                       "Certificate mailing request received", res->message,
                                       sizeof res->message);
    if (rc)
        return rc;
    s_result(res, KN_CERTIFICATE_DONE, "requested");
    snprintf(res->message, sizeof res->message, "certificate %s: mailing requested", no);
    return 0;
}

/* Where certificate no is when a step found it not waiting: its status in
 * res, UNKNOWN or NOT_WAITING; 0 or KN_EDB. */
static int s_where(PGconn *conn, const char *no, kn_certificate_result_t *res)
{
    const char *v[1] = {no};
    PGresult *r = NULL;
    int rc = s_exec(conn, "SELECT status FROM certificate WHERE certificate_no = $1", 1, v, &r,
                    res->message, sizeof res->message);
    if (rc)
        return rc;
    if (PQntuples(r) == 1)
        s_result(res, KN_CERTIFICATE_NOT_WAITING, PQgetvalue(r, 0, 0));
    else
        s_result(res, KN_CERTIFICATE_UNKNOWN, NULL);
    PQclear(r);
    return 0;
}

int kn_certificate_deposit(PGconn *conn, const kn_config_t *cfg, const kn_certificate_key_t *key,
                           const char *no, const char *locker, const char *compartment,
                           kn_certificate_result_t *res)
{
    s_result(res, KN_CERTIFICATE_UNKNOWN, NULL);
    res->message[0] = '\0';
    if (s_check_text("locker", locker, KN_CERTIFICATE_PLACE_MAX, res) ||
        s_check_text("compartment", compartment, KN_CERTIFICATE_PLACE_MAX, res))
        return KN_EINVAL;
    char code[S_CODE_DIGITS + 1], salt[33], hash[65], ttl[32];
    if (s_new_code(code) || s_new_salt(salt) || s_code_hash(key, salt, code, hash)) {
        OPENSSL_cleanse(code, sizeof code);
        snprintf(res->message, sizeof res->message, "no random numbers or digest from libcrypto");
        return KN_EIO;
    }
    snprintf(ttl, sizeof ttl, "%lld", (long long)kn_config_int(cfg, "certificate", "code_ttl_s"));
    const char *v[6] = {no, locker, compartment, hash, salt, ttl};
    PGresult *row = NULL;
    char *body = NULL;
    int rc = s_exec(conn,
                    "UPDATE certificate SET status = 'deposited', locker = $2, compartment = $3, "
                    "code_hash = $4, code_salt = $5, code_expires_at = now() + $6::int * "
                    "interval '1 second', code_attempts = 0, updated_at = now() "
                    "WHERE certificate_no = $1 AND status IN ('requested', 'deposited', "
                    "'locked') RETURNING id, phone, to_char(code_expires_at AT TIME ZONE "
                    "'Asia/Shanghai', 'MM-DD HH24:MI')",
                    6, v, &row, res->message, sizeof res->message);
    if (rc)
        goto out;
    if (PQntuples(row) == 0) {
        rc = s_where(conn, no, res);
        if (!rc)
            snprintf(res->message, sizeof res->message, "no certificate %s waiting for deposit",
                     no);
        goto out;
    }
    char id[32], phone[32], until[32];
    snprintf(id, sizeof id, "%s", PQgetvalue(row, 0, 0));
    snprintf(phone, sizeof phone, "%s", PQgetvalue(row, 0, 1));
    snprintf(until, sizeof until, "%s", PQgetvalue(row, 0, 2));
    char detail[256], text[512], nid[160], okey[140];
    snprintf(detail, sizeof detail, "locker %s compartment %s", locker, compartment);
    /* "取件码" + the digits: kouan notify masks exactly that once delivered */
    snprintf(
        text, sizeof text,
        "【口岸】您的原产地证书%s已存入%s号柜%s格，取件码%s，%s前有效。请在小程序中输入取件码，"
        "由EMS寄递。",
        no, locker, compartment, code, until);
    json_t *sms = json_pack("{s:s, s:s}", "phone", phone, "text", text);
    body = sms ? json_dumps(sms, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(sms);
    OPENSSL_cleanse(text, sizeof text);
    if (!body) {
        snprintf(res->message, sizeof res->message, "out of memory");
        rc = KN_ENOMEM;
        goto out;
    }
    /* a new deposit (a new code) is a new SMS */
    snprintf(nid, sizeof nid, "SMS-%s-%s", no, salt);
    snprintf(okey, sizeof okey, "sms:cert:%s", no);
    const char *o[5] = {nid, "sms", okey, "pickup-code", body};
    const char *h[3] = {id, "deposited", detail};
    /* the code of an earlier deposit is void: its SMS, if still waiting, is not sent */
    const char *k[1] = {okey};
    rc = s_exec(conn,
                "UPDATE outbox SET status = 'cancelled', last_error = 'a new code replaced it', "
                "body = regexp_replace(body, '取件码[0-9]+', '取件码******', 'g') "
                "WHERE order_key = $1 AND kind = 'pickup-code' AND status = 'pending'",
                1, k, NULL, res->message, sizeof res->message);
    if (!rc)
        rc = s_exec(conn, s_outbox, 5, o, NULL, res->message, sizeof res->message);
    if (!rc)
        rc = s_exec(conn, s_history, 3, h, NULL, res->message, sizeof res->message);
    if (!rc)
        rc = kn_certificate_tell_agent(
            conn, cfg, no, "deposited", "证书已存入自助柜，取件码已短信发送",
            "Certificate deposited; pickup code sent by SMS", res->message, sizeof res->message);
    if (rc)
        goto out;
    s_result(res, KN_CERTIFICATE_DONE, "deposited");
    size_t plen = strlen(phone);
    snprintf(res->message, sizeof res->message,
             "certificate %s: deposited in locker %s compartment %s; pickup code sent to "
             "%.3s****%s",
             no, locker, compartment, phone, phone + (plen > 4 ? plen - 4 : 0));
out:
    OPENSSL_cleanse(code, sizeof code);
    if (body)
        OPENSSL_cleanse(body, strlen(body));
    free(body);
    PQclear(row);
    return rc;
}

/* The EMS order for a certificate whose code was right (the JSON that
 * kouan notify seals into the open platform's envelope). */
static char *s_ems_order(const kn_config_t *cfg, PGresult *c, const char *order_no)
{
#define S_SENDER(k) kn_config_str(cfg, "certificate", "sender_" k)
    /* columns: 0 id, 1 no, 2 agent, 3 phone, 4 name, 5 prov, 6 city, 7 county, 8 address */
    char cargo[160];
    snprintf(cargo, sizeof cargo, "原产地证书 %s", PQgetvalue(c, 0, 1));
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s, s:s}, "
        "s:[{s:s, s:i}]}",
        "logisticsOrderNo", order_no, "bizProductNo", "1", "ecommerceUserId", PQgetvalue(c, 0, 2),
        "sender", "name", S_SENDER("name"), "mobile", S_SENDER("mobile"), "prov", S_SENDER("prov"),
        "city", S_SENDER("city"), "county", S_SENDER("county"), "address", S_SENDER("address"),
        "receiver", "name", PQgetvalue(c, 0, 4), "mobile", PQgetvalue(c, 0, 3), "prov",
        PQgetvalue(c, 0, 5), "city", PQgetvalue(c, 0, 6), "county", PQgetvalue(c, 0, 7), "address",
        PQgetvalue(c, 0, 8), "cargos", "cargoName", cargo, "cargoQuantity", 1);
    char *body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return body;
#undef S_SENDER
}

/* A refused pickup whose certificate has a code to guard: counted, and a
 * line of history. */
static int s_refused(PGconn *conn, const char *id, const char *why, kn_certificate_result_t *res)
{
    const char *v[1] = {id};
    int rc = s_exec(conn,
                    "UPDATE certificate SET code_failures_total = code_failures_total + 1, "
                    "updated_at = now() WHERE id = $1",
                    1, v, NULL, res->message, sizeof res->message);
    const char *h[3] = {id, "code_refused", why};
    return rc ? rc : s_exec(conn, s_history, 3, h, NULL, res->message, sizeof res->message);
}

int kn_certificate_pickup(PGconn *conn, const kn_config_t *cfg, const kn_certificate_key_t *key,
                          const char *no, const char *agent, const char *code,
                          kn_certificate_result_t *res)
{
    s_result(res, KN_CERTIFICATE_UNKNOWN, NULL);
    res->message[0] = '\0';
    res->tries_left = 0;
    const char *v[2] = {no, agent};
    PGresult *c = NULL;
    char *order = NULL;
    /* the row locked: two tries at once are counted one after the other */
    int rc = s_exec(conn,
                    "SELECT id, certificate_no, agent, phone, recipient_name, recipient_prov, "
                    "recipient_city, recipient_county, recipient_address, status, code_hash, "
                    "code_salt, code_expires_at < now(), code_attempts FROM certificate "
                    "WHERE certificate_no = $1 AND ($2::text IS NULL OR agent = $2) FOR UPDATE",
                    2, v, &c, res->message, sizeof res->message);
    if (rc)
        return rc;
    long limit = (long)kn_config_int(cfg, "certificate", "code_attempts");
    const char *refusal = NULL;
    kn_certificate_outcome_t outcome = KN_CERTIFICATE_UNKNOWN;
    const char *status = PQntuples(c) ? PQgetvalue(c, 0, 9) : "";
    if (PQntuples(c) == 0)
        refusal = "no such certificate";
    else if (!strcmp(status, "locked") ||
             (!strcmp(status, "deposited") && atol(PQgetvalue(c, 0, 13)) >= limit)) {
        refusal = "too many wrong codes: the code is locked (the officer deposits it again)";
        outcome = KN_CERTIFICATE_LOCKED;
    } else if (strcmp(status, "deposited")) {
        refusal = "the certificate is not waiting for its pickup code";
        outcome = KN_CERTIFICATE_NOT_WAITING;
    } else if (!strcmp(PQgetvalue(c, 0, 12), "t")) {
        refusal = "the pickup code has expired (the officer deposits it again)";
        outcome = KN_CERTIFICATE_EXPIRED;
    }
    if (refusal) {
        /* a certificate not yet deposited has no code to guess */
        if (PQntuples(c) > 0 && strcmp(status, "requested") != 0)
            rc = s_refused(conn, PQgetvalue(c, 0, 0), refusal, res);
        if (!rc) {
            s_result(res, outcome, status);
            snprintf(res->message, sizeof res->message, "certificate %s: %s", no, refusal);
        }
        goto out;
    }
    char hash[65];
    bool right = strlen(code) == S_CODE_DIGITS &&
                 !s_code_hash(key, PQgetvalue(c, 0, 11), code, hash) &&
                 CRYPTO_memcmp(hash, PQgetvalue(c, 0, 10), 64) == 0;
    const char *id = PQgetvalue(c, 0, 0);
    if (!right) {
        long left = limit - atol(PQgetvalue(c, 0, 13)) - 1;
        char lim[24];
        snprintf(lim, sizeof lim, "%ld", limit);
        const char *u[2] = {id, lim};
        rc = s_exec(conn,
                    "UPDATE certificate SET code_attempts = code_attempts + 1, "
                    "code_failures_total = code_failures_total + 1, updated_at = now(), "
                    "status = CASE WHEN code_attempts + 1 >= $2::int THEN 'locked' ELSE status "
                    "END WHERE id = $1",
                    2, u, NULL, res->message, sizeof res->message);
        const char *h[3] = {id, "code_refused", left > 0 ? "wrong code" : "wrong code: locked"};
        if (!rc)
            rc = s_exec(conn, s_history, 3, h, NULL, res->message, sizeof res->message);
        if (rc)
            goto out;
        s_result(res, KN_CERTIFICATE_WRONG_CODE, left > 0 ? "deposited" : "locked");
        res->tries_left = left > 0 ? left : 0;
        if (left > 0)
            snprintf(res->message, sizeof res->message,
                     "certificate %s: wrong code (%ld tries left)", no, left);
        else
            snprintf(res->message, sizeof res->message,
                     "certificate %s: wrong code; the code is now locked", no);
        goto out;
    }
    char order_no[96], nid[128], okey[140];
    snprintf(order_no, sizeof order_no, "KNCO%s-%s", id, no);
    snprintf(nid, sizeof nid, "EMS-%s", order_no);
    snprintf(okey, sizeof okey, "ems:cert:%s", no);
    if (!(order = s_ems_order(cfg, c, order_no))) {
        snprintf(res->message, sizeof res->message, "out of memory");
        rc = KN_ENOMEM;
        goto out;
    }
    const char *u[2] = {id, order_no};
    const char *o[5] = {nid, "ems", okey, "ems-order", order};
    const char *h[3] = {id, "ems_requested", order_no};
    rc = s_exec(conn,
                "UPDATE certificate SET status = 'ems_requested', ems_order_no = $2, "
                "code_hash = NULL, code_salt = NULL, updated_at = now() WHERE id = $1",
                2, u, NULL, res->message, sizeof res->message);
    if (!rc)
        rc = s_exec(conn, s_outbox, 5, o, NULL, res->message, sizeof res->message);
    if (!rc)
        rc = s_exec(conn, s_history, 3, h, NULL, res->message, sizeof res->message);
    if (!rc)
        rc = kn_certificate_tell_agent(conn, cfg, no, "ems_requested", "取件码正确，已下单EMS寄递",
                                       "Code accepted: EMS delivery ordered", res->message,
                                       sizeof res->message);
    if (rc)
        goto out;
    s_result(res, KN_CERTIFICATE_DONE, "ems_requested");
    snprintf(res->message, sizeof res->message,
             "certificate %s: code accepted, EMS order %s placed", no, order_no);
out:
    free(order);
    PQclear(c);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* show                                                                     */

/* times as ISO 8601 at +08:00, as the port reads them */
static const char s_show_sql[] =
    "SELECT certificate_no, agent, status, phone, recipient_name, recipient_prov, recipient_city, "
    "recipient_county, recipient_address, locker, compartment, CASE WHEN status IN "
    "('deposited', 'locked') THEN to_char(code_expires_at AT TIME ZONE 'Asia/Shanghai', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"') END, code_attempts, code_failures_total, "
    "ems_order_no, ems_waybill_no, to_char(created_at AT TIME ZONE 'Asia/Shanghai', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'), to_char(updated_at AT TIME ZONE "
    "'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'), id FROM certificate "
    "WHERE certificate_no = $1 AND ($2::text IS NULL OR agent = $2)";

static const char s_history_sql[] =
    "SELECT to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'), "
    "status, detail FROM certificate_event WHERE certificate_id = $1 ORDER BY id";

/* Column i of row 0 under name, when it has a value. */
static void s_put(json_t *o, const char *name, PGresult *r, int i)
{
    if (!PQgetisnull(r, 0, i))
        json_object_set_new(o, name, json_string(PQgetvalue(r, 0, i)));
}

int kn_certificate_show(PGconn *conn, const char *no, const char *agent, json_t **out, char *errbuf,
                        size_t errsize)
{
    *out = NULL;
    const char *v[2] = {no, agent};
    PGresult *c = NULL, *h = NULL;
    json_t *o = NULL;
    int rc = s_exec(conn, s_show_sql, 2, v, &c, errbuf, errsize);
    if (rc)
        return rc;
    if (PQntuples(c) == 0) {
        snprintf(errbuf, errsize, "no certificate %s", no);
        rc = KN_ENOTFOUND;
        goto out;
    }
    const char *id[1] = {PQgetvalue(c, 0, 18)};
    rc = s_exec(conn, s_history_sql, 1, id, &h, errbuf, errsize);
    if (rc)
        goto out;
    const char *phone = PQgetvalue(c, 0, 3);
    size_t plen = strlen(phone);
    char masked[40];
    snprintf(masked, sizeof masked, "%.3s****%s", phone, phone + (plen > 4 ? plen - 4 : 0));
    o = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s}}", "certificateNo",
                  PQgetvalue(c, 0, 0), "agent", PQgetvalue(c, 0, 1), "status", PQgetvalue(c, 0, 2),
                  "phone", masked, "recipient", "name", PQgetvalue(c, 0, 4), "prov",
                  PQgetvalue(c, 0, 5), "city", PQgetvalue(c, 0, 6), "county", PQgetvalue(c, 0, 7),
                  "address", PQgetvalue(c, 0, 8));
    json_t *history = json_array();
    if (!o || !history) {
        json_decref(history);
        goto oom;
    }
    s_put(o, "locker", c, 9);
    s_put(o, "compartment", c, 10);
    s_put(o, "codeExpiresDateTime", c, 11);
    json_object_set_new(o, "wrongCodes", json_integer(atoll(PQgetvalue(c, 0, 12))));
    json_object_set_new(o, "wrongCodesTotal", json_integer(atoll(PQgetvalue(c, 0, 13))));
    s_put(o, "emsOrderNo", c, 14);
    s_put(o, "emsWaybillNo", c, 15);
    s_put(o, "createdDateTime", c, 16);
    s_put(o, "updatedDateTime", c, 17);
    json_object_set_new(o, "history", history);
    for (int i = 0; i < PQntuples(h); i++) {
        json_t *line =
            json_pack("{s:s, s:s}", "dateTime", PQgetvalue(h, i, 0), "status", PQgetvalue(h, i, 1));
        if (line && !PQgetisnull(h, i, 2))
            json_object_set_new(line, "detail", json_string(PQgetvalue(h, i, 2)));
        if (!line || json_array_append_new(history, line) != 0)
            goto oom;
    }
    *out = o;
    o = NULL;
    goto out;
oom:
    snprintf(errbuf, errsize, "out of memory");
    rc = KN_ENOMEM;
out:
    json_decref(o);
    PQclear(c);
    PQclear(h);
    return rc;
}
