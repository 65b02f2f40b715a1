/* kouan sink in-process on a free loopback port, spoken to with libcurl as
 * kouan notify would: signatures, EMS envelopes, modes, accounting. */
#include "ems.h"
#include "log.h"
#include "runner.h"
#include "sign.h"
#include "sink.h"

#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

/* The Standard Webhooks reference secret (see test_sign.c), written with a
 * trailing newline as an editor would leave it: the sink must trim it. */
#define MP_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SMS_SECRET "whsec_dGhpcy1pcy10aGUtc21zLWdhdGV3YXktc2VjcmV0"
#define EMS_KEY "TvaBgrhE46sft3nZlfe7xw=="
#define EMS_WRONG_KEY "00112233445566778899aabbccddeeff"
/* 32 raw bytes; the file holds their base64 */
#define DCSA_SECRET "kouan-dcsa-subscription-secret!!"
#define STALL_MS 300

#define ORDER_OK                                                                                   \
    "{\"logisticsOrderNo\":\"KN-CO-0001\",\"receiver\":{\"name\":\"王芳\",\"mobile\":"           \
    "\"13800000000\",\"prov\":\"福建省\",\"city\":\"厦门市\",\"county\":\"湖里区\","      \
    "\"address\":\"港中路1号 3栋\"},\"sender\":{\"name\":\"厦门海关\",\"mobile\":"        \
    "\"0592-5000000\",\"address\":\"厦门市思明区\"},\"cargos\":[{\"cargoName\":"             \
    "\"原产地证书\"}]}"

#define ORDER_NO_MOBILE                                                                             \
    "{\"logisticsOrderNo\":\"KN-CO-0002\",\"receiver\":{\"name\":\"王芳\",\"prov\":"              \
    "\"福建省\",\"city\":\"厦门市\",\"county\":\"湖里区\",\"address\":\"港中路1号\"}," \
    "\"sender\":{\"name\":\"厦门海关\",\"mobile\":\"0592-5000000\",\"address\":"                \
    "\"厦门市思明区\"}}"

static char s_dir[256];
static kn_sink_t *s_sink;
static kn_arena_t *s_arena;

/* One HTTP answer. */
typedef struct {
    long status;
    char body[16384];
    size_t len;
    char retry_after[32];
    char allow[64];
} s_reply_t;

static kn_sink_t *s_start(const char *ems_key_file)
{
    char rec[512], mp[512], sms[512], ems[512], dcsa[512];
    snprintf(rec, sizeof rec, "%s/sink.jsonl", s_dir);
    snprintf(mp, sizeof mp, "%s/mp.secret", s_dir);
    snprintf(sms, sizeof sms, "%s/sms.secret", s_dir);
    snprintf(ems, sizeof ems, "%s/%s", s_dir, ems_key_file);
    snprintf(dcsa, sizeof dcsa, "%s/dcsa.secret", s_dir);
    kn_sink_conf_t conf = {.listen = "127.0.0.1:0",
                           .record_file = rec,
                           .miniprogram_secret_file = mp,
                           .sms_secret_file = sms,
                           .ems_key_file = ems,
                           .dcsa_secret_file = dcsa,
                           .stall_ms = STALL_MS};
    char why[512] = "";
    kn_sink_t *sink = kn_sink_new(&conf, why, sizeof why);
    ck_assert_msg(sink != NULL, "kn_sink_new: %s", why);
    return sink;
}

static void s_setup(void)
{
    kn_log_set_level("warning"); /* one info line per request is noise here */
    snprintf(s_dir, sizeof s_dir, "%s", kn_test_tmpdir());
    kn_test_write(s_dir, "mp.secret", MP_SECRET "\n");
    kn_test_write(s_dir, "sms.secret", SMS_SECRET);
    kn_test_write(s_dir, "ems.key", EMS_KEY "\r\n");
    unsigned char b64[64];
    EVP_EncodeBlock(b64, (const unsigned char *)DCSA_SECRET, (int)strlen(DCSA_SECRET));
    kn_test_write(s_dir, "dcsa.secret", (const char *)b64);
    s_arena = kn_arena_new(64 * 1024);
    ck_assert_ptr_nonnull(s_arena);
    s_sink = s_start("ems.key");
    ck_assert_uint_ne(kn_sink_port(s_sink), 0);
}

static void s_teardown(void)
{
    kn_sink_destroy(&s_sink);
    ck_assert_ptr_null(s_sink);
    kn_sink_destroy(&s_sink); /* idempotent */
    kn_arena_destroy(&s_arena);
    static const char *const files[] = {"sink.jsonl", "mp.secret", "sms.secret", "ems.key",
                                        "dcsa.secret"};
    char path[512];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", s_dir, files[i]);
        unlink(path);
    }
    rmdir(s_dir);
}

static size_t s_on_body(char *data, size_t size, size_t n, void *ud)
{
    s_reply_t *r = ud;
    size_t len = size * n;
    ck_assert_uint_lt(r->len + len, sizeof r->body);
    memcpy(r->body + r->len, data, len);
    r->len += len;
    r->body[r->len] = '\0';
    return len;
}

/* Keep the two response headers the tests look at. */
static size_t s_on_header(char *data, size_t size, size_t n, void *ud)
{
    s_reply_t *r = ud;
    size_t len = size * n;
    static const struct {
        const char *name;
        size_t off;
    } keep[] = {{"retry-after:", offsetof(s_reply_t, retry_after)},
                {"allow:", offsetof(s_reply_t, allow)}};
    for (size_t k = 0; k < 2; k++) {
        size_t nl = strlen(keep[k].name);
        if (len > nl && !strncasecmp(data, keep[k].name, nl)) {
            const char *v = data + nl;
            size_t vl = len - nl;
            while (vl && (*v == ' '))
                v++, vl--;
            while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
                vl--;
            char *dst = (char *)r + keep[k].off;
            snprintf(dst, 32, "%.*s", (int)vl, v);
        }
    }
    return len;
}

/* Chunked upload of a long body, for the 413 without Content-Length. */
typedef struct {
    size_t left;
} s_upload_t;

static size_t s_on_read(char *buf, size_t size, size_t n, void *ud)
{
    s_upload_t *u = ud;
    size_t len = size * n < u->left ? size * n : u->left;
    memset(buf, 'x', len);
    u->left -= len;
    return len;
}

/* method path with the given headers (NULL-terminated) and body; chunked
 * sends chunked bytes instead of body. */
static void s_http_ex(const char *method, const char *path, const char *const *headers,
                      const char *body, size_t chunked, s_reply_t *r)
{
    memset(r, 0, sizeof *r);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)kn_sink_port(s_sink), path);
    CURL *curl = curl_easy_init();
    ck_assert_ptr_nonnull(curl);
    struct curl_slist *list = NULL;
    for (size_t i = 0; headers && headers[i]; i++)
        list = curl_slist_append(list, headers[i]);
    s_upload_t up = {chunked};
    if (chunked) {
        list = curl_slist_append(list, "Transfer-Encoding: chunked");
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, s_on_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    } else if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, s_on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    CURLcode rc = curl_easy_perform(curl);
    ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
}

static void s_http(const char *method, const char *path, const char *const *headers,
                   const char *body, s_reply_t *r)
{
    s_http_ex(method, path, headers, body, 0, r);
}

/* A Standard Webhooks POST: signed over sign_body, sending send_body, with
 * Kouan-Notification-Id when kouan_id is not NULL. */
static void s_webhook(const char *path, const char *secret, const char *msg_id,
                      const char *sign_body, const char *send_body, const char *kouan_id,
                      s_reply_t *r)
{
    int64_t now = (int64_t)time(NULL);
    char sig[KN_SIGN_WEBHOOK_MAX];
    ck_assert_int_eq(
        kn_sign_webhook(secret, msg_id, now, sign_body, strlen(sign_body), sig, sizeof sig, NULL),
        0);
    char h_id[160], h_ts[64], h_sig[128], h_kouan[160];
    snprintf(h_id, sizeof h_id, "webhook-id: %s", msg_id);
    snprintf(h_ts, sizeof h_ts, "webhook-timestamp: %lld", (long long)now);
    snprintf(h_sig, sizeof h_sig, "webhook-signature: %s", sig);
    snprintf(h_kouan, sizeof h_kouan, "Kouan-Notification-Id: %s", kouan_id ? kouan_id : "");
    const char *headers[] = {"Content-Type: application/json", h_id, h_ts, h_sig,
                             kouan_id ? h_kouan : NULL,        NULL};
    s_http("POST", path, headers, send_body, r);
}

static void s_mode(const char *json)
{
    s_reply_t r;
    const char *headers[] = {"Content-Type: application/json", NULL};
    s_http("POST", "/_sink/mode", headers, json, &r);
    ck_assert_msg(r.status == 204, "mode %s: %ld %s", json, r.status, r.body);
}

/* Line n (0-based; -1 = last) of the record file, parsed. */
static json_t *s_record(int n)
{
    size_t len = 0;
    char *text = (char *)kn_test_read(s_arena, s_dir, "sink.jsonl", &len);
    int count = 0;
    for (size_t i = 0; i < len; i++)
        count += text[i] == '\n';
    ck_assert_int_gt(count, 0);
    ck_assert_int_eq(text[len - 1], '\n');
    if (n < 0)
        n = count + n;
    ck_assert_int_lt(n, count);
    char *line = text;
    for (int i = 0; i < n; i++)
        line = strchr(line, '\n') + 1;
    json_error_t jerr;
    json_t *rec = json_loadb(line, (size_t)(strchr(line, '\n') - line), 0, &jerr);
    ck_assert_msg(rec != NULL, "record %d is not JSON: %s", n, jerr.text);
    return rec;
}

static int s_record_count(void)
{
    size_t len = 0;
    char *text = (char *)kn_test_read(s_arena, s_dir, "sink.jsonl", &len);
    int count = 0;
    for (size_t i = 0; i < len; i++)
        count += text[i] == '\n';
    return count;
}

static const char *s_str(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    ck_assert_msg(v != NULL, "%s is not a string", key);
    return v;
}

/* stats[endpoint][counter] from GET /_sink/stats */
static long long s_stat(const char *endpoint, const char *counter)
{
    s_reply_t r;
    s_http("GET", "/_sink/stats", NULL, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    json_t *doc = json_loads(r.body, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    json_t *v = json_object_get(json_object_get(doc, endpoint), counter);
    ck_assert_msg(json_is_integer(v), "stats %s.%s missing", endpoint, counter);
    long long n = json_integer_value(v);
    json_decref(doc);
    return n;
}

/* A create-order form sealed with key. */
static const char *s_ems_form(const char *key, const char *order)
{
    kn_error_t err = {0};
    char ts[KN_EMS_TIMESTAMP_LEN];
    ck_assert_int_eq(kn_ems_timestamp((int64_t)time(NULL), ts), 0);
    char *sealed = kn_ems_seal(key, order, s_arena, &err);
    ck_assert_msg(sealed != NULL, "seal: %s", err.message);
    kn_ems_request_t req = {.api_code = "020003",
                            .sender_no = "1100012345678",
                            .authorization = "kouan test authorisation",
                            .time_stamp = ts,
                            .logitcs_interface = sealed};
    char *form = kn_ems_form(&req, s_arena, &err);
    ck_assert_msg(form != NULL, "form: %s", err.message);
    return form;
}

static json_t *s_ems_post(const char *form, const char *kouan_id, s_reply_t *r)
{
    char h_kouan[160];
    snprintf(h_kouan, sizeof h_kouan, "Kouan-Notification-Id: %s", kouan_id ? kouan_id : "");
    const char *headers[] = {"Content-Type: application/x-www-form-urlencoded",
                             kouan_id ? h_kouan : NULL, NULL};
    s_http("POST", "/ems", headers, form, r);
    ck_assert_int_eq(r->status, 200);
    json_t *doc = json_loads(r->body, 0, NULL);
    ck_assert_msg(doc != NULL, "EMS answer is not JSON: %s", r->body);
    return doc;
}

START_TEST(miniprogram_accepts_a_signed_post)
{
    const char *body = "{\"eventType\":\"EQUIPMENT\",\"equipmentReference\":\"MSCU1234566\"}";
    s_reply_t r;
    s_webhook("/miniprogram", MP_SECRET, "msg_1", body, body, NULL, &r);
    ck_assert_int_eq(r.status, 204);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "endpoint"), "miniprogram");
    ck_assert_str_eq(s_str(rec, "id"), "msg_1"); /* no Kouan-Notification-Id: webhook-id */
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "status")), 204);
    ck_assert_str_eq(s_str(rec, "outcome"), "accepted");
    ck_assert(json_is_null(json_object_get(rec, "error")));
    ck_assert_str_eq(s_str(json_object_get(rec, "body"), "equipmentReference"), "MSCU1234566");
    /* "at" is ISO 8601 UTC */
    const char *at = s_str(rec, "at");
    ck_assert_uint_eq(strlen(at), 24);
    ck_assert_int_eq(at[10], 'T');
    ck_assert_int_eq(at[23], 'Z');
    json_decref(rec);
    ck_assert_int_eq(s_stat("miniprogram", "accepted"), 1);
    ck_assert_int_eq(s_stat("miniprogram", "unique"), 1);
}
END_TEST

START_TEST(miniprogram_refuses_a_changed_byte)
{
    const char *body = "{\"eventType\":\"EQUIPMENT\",\"equipmentReference\":\"MSCU1234566\"}";
    const char *changed = "{\"eventType\":\"EQUIPMENT\",\"equipmentReference\":\"MSCU1234567\"}";
    s_reply_t r;
    s_webhook("/miniprogram", MP_SECRET, "msg_2", body, changed, "n-2", &r);
    ck_assert_int_eq(r.status, 401);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "refused-signature");
    ck_assert_str_eq(s_str(rec, "id"), "n-2");
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "status")), 401);
    ck_assert_ptr_nonnull(strstr(s_str(rec, "error"), "no v1 signature matches"));
    json_decref(rec);
    /* signed with another secret */
    s_webhook("/miniprogram", SMS_SECRET, "msg_3", body, body, NULL, &r);
    ck_assert_int_eq(r.status, 401);
    /* no signature at all */
    const char *headers[] = {"webhook-id: msg_4", "webhook-timestamp: 1700000000", NULL};
    s_http("POST", "/miniprogram", headers, body, &r);
    ck_assert_int_eq(r.status, 401);
    ck_assert_ptr_nonnull(strstr(r.body, "webhook-signature is missing"));
    ck_assert_int_eq(s_stat("miniprogram", "refused"), 3);
    ck_assert_int_eq(s_stat("miniprogram", "accepted"), 0);
    ck_assert_int_eq(s_stat("miniprogram", "received"), 3);
}
END_TEST

START_TEST(miniprogram_wants_json)
{
    s_reply_t r;
    s_webhook("/miniprogram", MP_SECRET, "msg_5", "not json", "not json", NULL, &r);
    ck_assert_int_eq(r.status, 400);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "invalid");
    ck_assert_str_eq(s_str(rec, "body"), "not json"); /* kept as a string */
    json_decref(rec);
}
END_TEST

START_TEST(sms_answers_with_the_message_id)
{
    const char *body = "{\"phone\":\"13800000000\",\"text\":\"取件码 482913\"}";
    s_reply_t r;
    s_webhook("/sms", SMS_SECRET, "msg_sms_1", body, body, "pickup-77", &r);
    ck_assert_int_eq(r.status, 200);
    json_t *doc = json_loads(r.body, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(s_str(doc, "result"), "ok");
    ck_assert_str_eq(s_str(doc, "id"), "msg_sms_1");
    json_decref(doc);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "id"), "pickup-77");
    ck_assert_str_eq(s_str(rec, "outcome"), "accepted");
    json_decref(rec);
    /* the mini-program secret does not open the SMS gateway */
    s_webhook("/sms", MP_SECRET, "msg_sms_2", body, body, NULL, &r);
    ck_assert_int_eq(r.status, 401);
    /* text is required */
    const char *no_text = "{\"phone\":\"13800000000\"}";
    s_webhook("/sms", SMS_SECRET, "msg_sms_3", no_text, no_text, NULL, &r);
    ck_assert_int_eq(r.status, 400);
    rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "invalid");
    ck_assert_ptr_nonnull(strstr(s_str(rec, "error"), "text"));
    json_decref(rec);
    ck_assert_int_eq(s_stat("sms", "refused"), 2);
}
END_TEST

START_TEST(ems_accepts_a_sealed_order)
{
    s_reply_t r;
    json_t *doc = s_ems_post(s_ems_form(EMS_KEY, ORDER_OK), NULL, &r);
    ck_assert_str_eq(s_str(doc, "retCode"), "00000");
    ck_assert_str_eq(s_str(doc, "retMsg"), "success");
    ck_assert_uint_gt(strlen(s_str(doc, "serialNo")), 0);
    char waybill[32];
    snprintf(waybill, sizeof waybill, "%s", s_str(json_object_get(doc, "retBody"), "waybillNo"));
    json_decref(doc);
    ck_assert_uint_eq(strlen(waybill), 13);
    ck_assert_int_eq(strncmp(waybill, "1100", 4), 0);
    ck_assert_uint_eq(strspn(waybill, "0123456789"), 13);

    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "endpoint"), "ems");
    ck_assert_str_eq(s_str(rec, "id"), "KN-CO-0001"); /* logisticsOrderNo */
    ck_assert_str_eq(s_str(rec, "outcome"), "accepted");
    /* the record holds the decrypted order, Chinese intact */
    json_t *receiver = json_object_get(json_object_get(rec, "body"), "receiver");
    ck_assert_str_eq(s_str(receiver, "address"), "港中路1号 3栋");
    json_decref(rec);

    /* the same order again: the same waybill, counted as a duplicate */
    doc = s_ems_post(s_ems_form(EMS_KEY, ORDER_OK), NULL, &r);
    ck_assert_str_eq(s_str(json_object_get(doc, "retBody"), "waybillNo"), waybill);
    json_decref(doc);
    ck_assert_int_eq(s_stat("ems", "accepted"), 2);
    ck_assert_int_eq(s_stat("ems", "unique"), 1);
    ck_assert_int_eq(s_stat("ems", "duplicates"), 1);
}
END_TEST

START_TEST(ems_refuses_a_wrong_key)
{
    s_reply_t r;
    json_t *doc = s_ems_post(s_ems_form(EMS_WRONG_KEY, ORDER_OK), NULL, &r);
    ck_assert_str_eq(s_str(doc, "retCode"), "S0001");
    ck_assert_ptr_nonnull(strstr(s_str(doc, "retMsg"), "logitcsInterface"));
    json_decref(doc);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "refused-signature");
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "status")), 200);
    json_decref(rec);
    /* a form without its envelope */
    doc = s_ems_post("apiCode=020003&senderNo=1&authorization=a&timeStamp=x", NULL, &r);
    ck_assert_str_eq(s_str(doc, "retCode"), "S0001");
    ck_assert_ptr_nonnull(strstr(s_str(doc, "retMsg"), "logitcsInterface is missing"));
    json_decref(doc);
    ck_assert_int_eq(s_stat("ems", "refused"), 2);
    ck_assert_int_eq(s_stat("ems", "accepted"), 0);
}
END_TEST

START_TEST(ems_reads_the_form_strictly)
{
    s_reply_t r;
    json_t *doc = s_ems_post("apiCode=020003&apiCode=040001&senderNo=1&authorization=a"
                             "&timeStamp=x&logitcsInterface=%7C%244%7C",
                             NULL, &r);
    ck_assert_str_eq(s_str(doc, "retCode"), "S0001");
    ck_assert_ptr_nonnull(strstr(s_str(doc, "retMsg"), "apiCode appears twice"));
    json_decref(doc);
    doc = s_ems_post("apiCode=020003&senderNo=1&authorization=a%zz&timeStamp=x"
                     "&logitcsInterface=%7C%244%7C",
                     NULL, &r);
    ck_assert_str_eq(s_str(doc, "retCode"), "S0001");
    ck_assert_ptr_nonnull(strstr(s_str(doc, "retMsg"), "bad percent-encoding"));
    json_decref(doc);
    /* "|$4|" and nothing after it: no ciphertext to open */
    doc = s_ems_post("apiCode=020003&senderNo=1&authorization=a&timeStamp=x"
                     "&logitcsInterface=%7C%244%7C",
                     NULL, &r);
    ck_assert_str_eq(s_str(doc, "retCode"), "S0001");
    json_decref(doc);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "refused-signature");
    json_decref(rec);
    ck_assert_int_eq(s_stat("ems", "refused"), 3);
}
END_TEST

START_TEST(ems_names_the_missing_field)
{
    s_reply_t r;
    json_t *doc = s_ems_post(s_ems_form(EMS_KEY, ORDER_NO_MOBILE), "order-2", &r);
    ck_assert_str_eq(s_str(doc, "retCode"), "B0001");
    ck_assert_ptr_nonnull(strstr(s_str(doc, "retMsg"), "receiver.mobile"));
    json_decref(doc);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "invalid");
    ck_assert_str_eq(s_str(rec, "id"), "order-2"); /* the header wins over the order number */
    ck_assert_ptr_nonnull(strstr(s_str(rec, "error"), "receiver.mobile"));
    json_decref(rec);
}
END_TEST

START_TEST(dcsa_checks_the_signature)
{
    const char *body = "[{\"eventID\":\"3cecb101-7a1a-43a4-9d62-e88a131651e2\","
                       "\"eventType\":\"EQUIPMENT\",\"equipmentEventTypeCode\":\"DISC\"}]";
    char sig[KN_SIGN_DCSA_MAX], header[128];
    ck_assert_int_eq(
        kn_sign_dcsa(DCSA_SECRET, strlen(DCSA_SECRET), body, strlen(body), sig, sizeof sig), 0);
    snprintf(header, sizeof header, "Notification-Signature: %s", sig);
    const char *headers[] = {"Content-Type: application/json", header,
                             "Kouan-Notification-Id: dcsa-1", NULL};
    s_reply_t r;
    s_http("POST", "/dcsa/subscription-1", headers, body, &r);
    ck_assert_int_eq(r.status, 204);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "endpoint"), "dcsa");
    ck_assert_str_eq(s_str(rec, "id"), "dcsa-1");
    ck_assert_str_eq(s_str(rec, "outcome"), "accepted");
    json_decref(rec);

    /* signed with another secret */
    ck_assert_int_eq(kn_sign_dcsa("another secret", 14, body, strlen(body), sig, sizeof sig), 0);
    snprintf(header, sizeof header, "Notification-Signature: %s", sig);
    s_http("POST", "/dcsa", headers, body, &r);
    ck_assert_int_eq(r.status, 401);
    rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "refused-signature");
    json_decref(rec);

    /* rightly signed, but not an array of events */
    const char *object = "{\"eventType\":\"EQUIPMENT\"}";
    ck_assert_int_eq(
        kn_sign_dcsa(DCSA_SECRET, strlen(DCSA_SECRET), object, strlen(object), sig, sizeof sig), 0);
    snprintf(header, sizeof header, "Notification-Signature: %s", sig);
    s_http("POST", "/dcsa", headers, object, &r);
    ck_assert_int_eq(r.status, 400);
    ck_assert_int_eq(s_stat("dcsa", "refused"), 2);
    ck_assert_int_eq(s_stat("dcsa", "accepted"), 1);
}
END_TEST

START_TEST(fail_mode_counts_down)
{
    const char *body = "{\"n\":1}";
    s_mode("{\"endpoint\":\"miniprogram\",\"mode\":\"fail\",\"count\":2}");
    s_reply_t r;
    s_webhook("/miniprogram", MP_SECRET, "msg_f", body, body, NULL, &r);
    ck_assert_int_eq(r.status, 500);
    s_webhook("/miniprogram", MP_SECRET, "msg_f", body, body, NULL, &r);
    ck_assert_int_eq(r.status, 500);
    s_webhook("/miniprogram", MP_SECRET, "msg_f", body, body, NULL, &r);
    ck_assert_int_eq(r.status, 204);
    json_t *rec = s_record(0);
    ck_assert_str_eq(s_str(rec, "outcome"), "failed-on-purpose");
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "status")), 500);
    json_decref(rec);
    ck_assert_int_eq(s_stat("miniprogram", "received"), 3);
    ck_assert_int_eq(s_stat("miniprogram", "failed_on_purpose"), 2);
    ck_assert_int_eq(s_stat("miniprogram", "accepted"), 1);
    /* the other endpoints were not touched */
    ck_assert_int_eq(s_stat("sms", "failed_on_purpose"), 0);
}
END_TEST

START_TEST(throttle_says_when_to_come_back)
{
    const char *body = "{\"n\":1}";
    s_mode("{\"endpoint\":\"*\",\"mode\":\"throttle\",\"retry_after\":7}");
    s_reply_t r;
    for (int i = 0; i < 2; i++) { /* no count: until told otherwise */
        s_webhook("/miniprogram", MP_SECRET, "msg_t", body, body, NULL, &r);
        ck_assert_int_eq(r.status, 429);
        ck_assert_str_eq(r.retry_after, "7");
    }
    s_webhook("/sms", SMS_SECRET, "msg_t", body, body, NULL, &r); /* "*" covers sms too */
    ck_assert_int_eq(r.status, 429);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "throttled");
    json_decref(rec);
    /* the default Retry-After is one second */
    s_mode("{\"endpoint\":\"miniprogram\",\"mode\":\"throttle\",\"count\":1}");
    s_webhook("/miniprogram", MP_SECRET, "msg_t", body, body, NULL, &r);
    ck_assert_int_eq(r.status, 429);
    ck_assert_str_eq(r.retry_after, "1");
    s_webhook("/miniprogram", MP_SECRET, "msg_t", body, body, NULL, &r);
    ck_assert_int_eq(r.status, 204);
    /* 503 with Retry-After */
    s_mode("{\"endpoint\":\"miniprogram\",\"mode\":\"unavailable\",\"count\":1,"
           "\"retry_after\":3}");
    s_webhook("/miniprogram", MP_SECRET, "msg_t", body, body, NULL, &r);
    ck_assert_int_eq(r.status, 503);
    ck_assert_str_eq(r.retry_after, "3");
    s_mode("{\"endpoint\":\"*\",\"mode\":\"ok\"}");
    s_webhook("/sms", SMS_SECRET, "msg_t", "{\"phone\":\"1\",\"text\":\"t\"}",
              "{\"phone\":\"1\",\"text\":\"t\"}", NULL, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(s_stat("miniprogram", "failed_on_purpose"), 4);
}
END_TEST

START_TEST(vanish_answers_gone)
{
    s_mode("{\"endpoint\":\"ems\",\"mode\":\"vanish\"}");
    s_reply_t r;
    const char *headers[] = {"Kouan-Notification-Id: gone-1", NULL};
    s_http("POST", "/ems", headers, s_ems_form(EMS_KEY, ORDER_OK), &r);
    ck_assert_int_eq(r.status, 410);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "gone");
    ck_assert_str_eq(s_str(rec, "id"), "gone-1");
    ck_assert_int_eq(json_integer_value(json_object_get(rec, "status")), 410);
    json_decref(rec);
}
END_TEST

START_TEST(stall_holds_then_fails)
{
    s_mode("{\"endpoint\":\"miniprogram\",\"mode\":\"stall\",\"count\":1}");
    const char *body = "{\"n\":1}";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    s_reply_t r;
    s_webhook("/miniprogram", MP_SECRET, "msg_s", body, body, NULL, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_eq(r.status, 500);
    long held = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_int_ge(held, STALL_MS - 10);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "stalled");
    json_decref(rec);
    s_webhook("/miniprogram", MP_SECRET, "msg_s", body, body, NULL, &r);
    ck_assert_int_eq(r.status, 204);
}
END_TEST

START_TEST(stats_tell_unique_from_duplicates)
{
    const char *body = "{\"n\":1}";
    s_reply_t r;
    /* a redelivery carries the same Kouan-Notification-Id */
    s_webhook("/miniprogram", MP_SECRET, "msg_a", body, body, "note-1", &r);
    ck_assert_int_eq(r.status, 204);
    s_webhook("/miniprogram", MP_SECRET, "msg_a", body, body, "note-1", &r);
    ck_assert_int_eq(r.status, 204);
    s_webhook("/miniprogram", MP_SECRET, "msg_b", body, body, "note-2", &r);
    ck_assert_int_eq(r.status, 204);
    /* a refused one does not count as accepted, nor its id as seen */
    s_webhook("/miniprogram", SMS_SECRET, "msg_c", body, body, "note-3", &r);
    ck_assert_int_eq(r.status, 401);
    ck_assert_int_eq(s_stat("miniprogram", "received"), 4);
    ck_assert_int_eq(s_stat("miniprogram", "accepted"), 3);
    ck_assert_int_eq(s_stat("miniprogram", "unique"), 2);
    ck_assert_int_eq(s_stat("miniprogram", "duplicates"), 1);
    ck_assert_int_eq(s_stat("miniprogram", "refused"), 1);

    /* /_sink/records is the record file as one array */
    s_http("GET", "/_sink/records", NULL, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    json_t *all = json_loads(r.body, 0, NULL);
    ck_assert(json_is_array(all));
    ck_assert_int_eq((int)json_array_size(all), s_record_count());
    ck_assert_int_eq((int)json_array_size(all), 4);
    ck_assert_str_eq(s_str(json_array_get(all, 1), "id"), "note-1");
    ck_assert_str_eq(s_str(json_array_get(all, 3), "outcome"), "refused-signature");
    json_decref(all);
}
END_TEST

START_TEST(control_and_unknown_paths)
{
    s_reply_t r;
    s_http("GET", "/healthz", NULL, NULL, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "ok");
    s_http("GET", "/miniprogram", NULL, NULL, &r);
    ck_assert_int_eq(r.status, 405);
    ck_assert_str_eq(r.allow, "POST");
    s_http("GET", "/nowhere", NULL, NULL, &r);
    ck_assert_int_eq(r.status, 404);
    s_http("POST", "/_sink/mode", NULL, "{\"endpoint\":\"fax\",\"mode\":\"fail\"}", &r);
    ck_assert_int_eq(r.status, 400);
    s_http("POST", "/_sink/mode", NULL, "{\"endpoint\":\"sms\",\"mode\":\"explode\"}", &r);
    ck_assert_int_eq(r.status, 400);
    s_http("POST", "/_sink/mode", NULL, "{\"endpoint\":\"sms\",\"mode\":\"fail\",\"count\":-1}",
           &r);
    ck_assert_int_eq(r.status, 400);
    s_http("POST", "/_sink/mode", NULL, "{\"endpoint\":\"sms\",\"mode\":\"fail\",\"cnt\":1}", &r);
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "cnt"));
    /* none of that was a delivery */
    ck_assert_int_eq(s_stat("sms", "received"), 0);
    ck_assert_int_eq(s_stat("miniprogram", "received"), 0);
}
END_TEST

START_TEST(oversize_body_is_refused)
{
    /* declared with Content-Length: refused before it is read */
    size_t n = 1024 * 1024 + 1;
    char *big = malloc(n + 1);
    ck_assert_ptr_nonnull(big);
    memset(big, 'x', n);
    big[n] = '\0';
    s_reply_t r;
    s_http("POST", "/miniprogram", NULL, big, &r);
    free(big);
    ck_assert_int_eq(r.status, 413);
    /* chunked, so only counting tells */
    s_http_ex("POST", "/sms", NULL, NULL, 2 * 1024 * 1024, &r);
    ck_assert_int_eq(r.status, 413);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "invalid");
    ck_assert(json_is_null(json_object_get(rec, "body")));
    json_decref(rec);
    ck_assert_int_eq(s_stat("miniprogram", "refused"), 1);
    ck_assert_int_eq(s_stat("sms", "refused"), 1);
}
END_TEST

START_TEST(missing_key_file_refuses_with_500)
{
    kn_sink_destroy(&s_sink);
    s_sink = s_start("no-such.key");
    s_reply_t r;
    const char *headers[] = {"Kouan-Notification-Id: order-9", NULL};
    s_http("POST", "/ems", headers, s_ems_form(EMS_KEY, ORDER_OK), &r);
    ck_assert_int_eq(r.status, 500);
    json_t *rec = s_record(-1);
    ck_assert_str_eq(s_str(rec, "outcome"), "refused-signature");
    ck_assert_ptr_nonnull(strstr(s_str(rec, "error"), "no-such.key"));
    json_decref(rec);
    /* the other endpoints still work */
    const char *body = "{\"n\":1}";
    s_webhook("/miniprogram", MP_SECRET, "msg_k", body, body, NULL, &r);
    ck_assert_int_eq(r.status, 204);
}
END_TEST

START_TEST(bad_listen_address_is_refused)
{
    char why[256] = "";
    kn_sink_conf_t conf = {.listen = "7790", .stall_ms = 0};
    ck_assert_ptr_null(kn_sink_new(&conf, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "host:port"));
    /* the port the fixture's sink holds cannot be bound twice */
    char taken[64];
    snprintf(taken, sizeof taken, "127.0.0.1:%u", (unsigned)kn_sink_port(s_sink));
    conf.listen = taken;
    ck_assert_ptr_null(kn_sink_new(&conf, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "cannot listen"));
}
END_TEST

Suite *kn_test_sink_suite(void);

Suite *kn_test_sink_suite(void)
{
    Suite *s = suite_create("sink");
    TCase *tc = tcase_create("sink");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, miniprogram_accepts_a_signed_post);
    tcase_add_test(tc, miniprogram_refuses_a_changed_byte);
    tcase_add_test(tc, miniprogram_wants_json);
    tcase_add_test(tc, sms_answers_with_the_message_id);
    tcase_add_test(tc, ems_accepts_a_sealed_order);
    tcase_add_test(tc, ems_refuses_a_wrong_key);
    tcase_add_test(tc, ems_reads_the_form_strictly);
    tcase_add_test(tc, ems_names_the_missing_field);
    tcase_add_test(tc, dcsa_checks_the_signature);
    tcase_add_test(tc, fail_mode_counts_down);
    tcase_add_test(tc, throttle_says_when_to_come_back);
    tcase_add_test(tc, vanish_answers_gone);
    tcase_add_test(tc, stall_holds_then_fails);
    tcase_add_test(tc, stats_tell_unique_from_duplicates);
    tcase_add_test(tc, control_and_unknown_paths);
    tcase_add_test(tc, oversize_body_is_refused);
    tcase_add_test(tc, missing_key_file_refuses_with_500);
    tcase_add_test(tc, bad_listen_address_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
