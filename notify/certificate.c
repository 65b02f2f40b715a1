#include "certificate.h"
#include "ems.h"
#include "err.h"
#include "status.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
