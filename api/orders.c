/* kouan — an officer's manual inspection order over the HTTP API.
 *
 *   POST /v1/containers/{ref}/inspection-orders   {"examType": "MANUAL", "note": "..."}
 *
 * The broker is the only writer of events and visits, so the order goes to it
 * as what customs sends: a CLM10021 inspection order, over the wire protocol,
 * on a CURVE connection with the customs party's key ([api] customs_key_file;
 * [client] broker and server_public_key_file).  The box's bill, vessel,
 * voyage, declaration and size-type come from its stored events.  The answer
 * waits for the broker: 202 when it acknowledged the order (the rules then
 * route the box, the terminal and the agent are told), 422 with the broker's
 * reason when it refused it, 503 when it did not answer.
 */
#include "client.h"
#include "err.h"
#include "internal.h"
#include "keys.h"
#include "log.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_WAIT_MS 10000

/* XML text escaped into out, which has room for 5 bytes a byte of in. */
static const char *s_esc(char *out, size_t size, const char *in)
{
    size_t n = 0;
    for (; *in && n + 6 < size; in++) {
        const char *rep = *in == '&' ? "&amp;" : *in == '<' ? "&lt;" : *in == '>' ? "&gt;" : NULL;
        size_t len = rep ? strlen(rep) : 1;
        memcpy(out + n, rep ? rep : in, len);
        n += len;
    }
    out[n] = '\0';
    return out;
}

/* What the order needs to know of the box, from its latest events. */
typedef struct {
    char bill[64], vessel[80], voyage[24], entry[24], iso[8], facility[40];
    bool export_box;
} s_box_t;

static int s_box(kn__api_req_t *req, const char *ref, s_box_t *box)
{
    const char *params[1] = {ref};
    PGresult *r = kn__api_query(
        req,
        "SELECT transport_document_reference, detail->>'vesselName', voyage, "
        "detail->>'customsEntryId', iso_equipment_code, detail->>'facilityCode', "
        "(SELECT v.direction FROM visit v WHERE v.equipment_reference = $1 ORDER BY v.opened_at "
        "DESC LIMIT 1) FROM event WHERE equipment_reference = $1 ORDER BY id DESC LIMIT 200",
        1, params);
    if (!r)
        return 503;
    memset(box, 0, sizeof *box);
    char *fields[6] = {box->bill, box->vessel, box->voyage, box->entry, box->iso, box->facility};
    const size_t sizes[6] = {sizeof box->bill,  sizeof box->vessel, sizeof box->voyage,
                             sizeof box->entry, sizeof box->iso,    sizeof box->facility};
    for (int i = 0; i < PQntuples(r); i++) {
        for (int f = 0; f < 6; f++)
            if (!fields[f][0] && !PQgetisnull(r, i, f) && PQgetlength(r, i, f) < (int)sizes[f])
                snprintf(fields[f], sizes[f], "%s", PQgetvalue(r, i, f));
        if (i == 0 && !PQgetisnull(r, 0, 6))
            box->export_box = !strcmp(PQgetvalue(r, 0, 6), "export");
    }
    int found = PQntuples(r) > 0;
    PQclear(r);
    return !found ? 404 : !box->bill[0] ? 422 : 0;
}

static enum MHD_Result s_order(kn__api_req_t *req, const char *ref)
{
    enum MHD_Result bad;
    if (!kn__api_container(req, ref, &bad))
        return bad;
    enum MHD_Result res;
    json_t *body = kn__api_body(req, &res);
    if (!body)
        return res;
    const char *exam = json_string_value(json_object_get(body, "examType"));
    const char *note = json_string_value(json_object_get(body, "note"));
    static const char *const members[] = {"examType", "note", NULL};
    const char *unknown = kn__api_unknown_member(body, members);
    if (unknown) {
        res = kn__api_problem(req, 400, "member %s is not one of examType, note", unknown);
        goto out;
    }
    if (!exam || !*exam || strlen(exam) > 16 ||
        strspn(exam, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
            strlen(exam)) {
        res = kn__api_problem(req, 422,
                              "examType is required: 1 to 16 letters, digits, _ or -, as MANUAL "
                              "or H986");
        goto out;
    }
    if (json_object_get(body, "note") && (!note || strlen(note) > 256)) {
        res = kn__api_problem(req, 422, "note must be a string of at most 256 bytes");
        goto out;
    }
    const char *keyfile = kn_config_str(req->cfg, "api", "customs_key_file");
    if (!keyfile[0]) {
        res = kn__api_problem(req, 503,
                              "inspection orders go to the broker as customs: [api] "
                              "customs_key_file is not set");
        goto out;
    }
    s_box_t box;
    int st = s_box(req, ref, &box);
    if (st) {
        if (st == 404)
            kn__api_audit(req, "POST /v1/containers/inspection-orders", ref, 404, 0);
        res = st == 404   ? kn__api_problem(req, 404, "no container %s is known", ref)
              : st == 422 ? kn__api_problem(req, 422,
                                            "container %s has no bill of lading yet: customs "
                                            "orders inspections by bill",
                                            ref)
                          : kn__api_problem(req, 503, "the database is not available");
        goto out;
    }

    /* the message, as customs writes it */
    unsigned char rnd[8];
    char id[40];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        res = kn__api_problem(req, 503, "no randomness for the message id");
        goto out;
    }
    snprintf(id, sizeof id, "API-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3],
             rnd[4], rnd[5], rnd[6], rnd[7]);
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    /* escaped: at most 5 bytes for one */
    char when[32], e_bill[5 * sizeof box.bill + 8], e_vessel[5 * sizeof box.vessel + 8],
        e_voyage[5 * sizeof box.voyage + 8], e_entry[5 * sizeof box.entry + 8],
        e_iso[5 * sizeof box.iso + 8], e_fac[5 * sizeof box.facility + 8], e_note[5 * 256 + 8],
        e_exam[5 * 16 + 8];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    char *xml = NULL;
    size_t xml_len = 0;
    FILE *f = open_memstream(&xml, &xml_len);
    if (!f) {
        res = MHD_NO;
        goto out;
    }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MESSAGE>\n  <MESSAGE_HEAD>\n"
            "    <MESSAGE_ID>%s</MESSAGE_ID>\n    <FUNCTION_CODE>2</FUNCTION_CODE>\n"
            "    <MESSAGE_TYPE>CLM10021</MESSAGE_TYPE>\n    <SENDER>%s</SENDER>\n",
            id, kn_config_str(req->cfg, "api", "customs_code"));
    if (box.facility[0])
        fprintf(f, "    <RECEIVER>%s</RECEIVER>\n", s_esc(e_fac, sizeof e_fac, box.facility));
    fprintf(f,
            "    <MESSAGE_CREATE_TIME>%s</MESSAGE_CREATE_TIME>\n    <VERSION>1.0</VERSION>\n"
            "  </MESSAGE_HEAD>\n  <MESSAGE_LIST>\n    <BILL_INFO>\n"
            "      <CUSTOMS_CODE>%s</CUSTOMS_CODE>\n      <I_E_FLAG>%s</I_E_FLAG>\n",
            when, kn_config_str(req->cfg, "api", "customs_code"), box.export_box ? "E" : "I");
    if (box.vessel[0])
        fprintf(f, "      <SHIP_NAME_EN>%s</SHIP_NAME_EN>\n",
                s_esc(e_vessel, sizeof e_vessel, box.vessel));
    if (box.voyage[0])
        fprintf(f, "      <VOYAGE_NO>%s</VOYAGE_NO>\n",
                s_esc(e_voyage, sizeof e_voyage, box.voyage));
    fprintf(f, "      <BILL_NO>%s</BILL_NO>\n", s_esc(e_bill, sizeof e_bill, box.bill));
    if (box.entry[0])
        fprintf(f, "      <ENTRY_ID>%s</ENTRY_ID>\n", s_esc(e_entry, sizeof e_entry, box.entry));
    fprintf(f, "      <NOTE>%s</NOTE>\n      <CONTAINER_INFO>\n        <CONTA_NO>%s</CONTA_NO>\n",
            s_esc(e_note, sizeof e_note, note ? note : ""), ref);
    if (box.iso[0])
        fprintf(f, "        <CONTA_SIZE>%s</CONTA_SIZE>\n", s_esc(e_iso, sizeof e_iso, box.iso));
    fprintf(f,
            "        <EXAM_TYPE>%s</EXAM_TYPE>\n      </CONTAINER_INFO>\n    </BILL_INFO>\n"
            "  </MESSAGE_LIST>\n</MESSAGE>\n",
            s_esc(e_exam, sizeof e_exam, exam));
    if (fclose(f) != 0) {
        free(xml);
        res = MHD_NO;
        goto out;
    }

    /* to the broker, as customs */
    char secret[41], server[41], why[512];
    uint8_t server_key[32];
    kn_client_t *client = NULL;
    if (kn_keys_read_public(kn_config_str(req->cfg, "client", "server_public_key_file"), server_key,
                            server, why, sizeof why) == 0 &&
        kn_keys_read_secret(keyfile, secret, NULL, why, sizeof why) == 0)
        client = kn_client_new(kn_config_str(req->cfg, "client", "broker"), server, secret, why,
                               sizeof why);
    memset(secret, 0, sizeof secret);
    if (!client) {
        free(xml);
        kn_log(KN_LOG_ERROR, "api: inspection order: %s", why);
        res = kn__api_problem(req, 503, "cannot reach the broker: %s", why);
        goto out;
    } /* the connection takes nothing until its handshake is done (ZMQ_IMMEDIATE) */
    int sent = -1;
    for (int tries = 0; tries < 200 && sent != 0; tries++) {
        sent = kn_client_send(client, id, "application/xml", xml, xml_len);
        if (sent != 0)
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    free(xml);
    kn_reply_t reply;
    int got = -1;
    for (int waited = 0; sent == 0 && waited < S_WAIT_MS; waited += 500) {
        got = kn_client_recv(client, &reply, 500, why, sizeof why);
        if (got == 0 && (reply.cmd == KN_WIRE_ACK || reply.cmd == KN_WIRE_NACK) &&
            !strcmp(reply.id, id))
            break;
        got = -1;
    }
    if (got != 0) {
        kn_client_destroy(&client);
        res = kn__api_problem(req, 503,
                              "the broker did not answer within %d s; the order %s may still "
                              "arrive",
                              S_WAIT_MS / 1000, id);
        goto out;
    }
    bool accepted = reply.cmd == KN_WIRE_ACK;
    char detail[600];
    snprintf(detail, sizeof detail, "%s %s", reply.code ? reply.code : "",
             reply.text ? reply.text : "");
    kn_client_destroy(&client);
    char resource[128];
    snprintf(resource, sizeof resource, "%s %s %s", ref, id, exam);
    if (!kn__api_audit(req, "POST /v1/containers/inspection-orders", resource, accepted ? 202 : 422,
                       1)) {
        res = kn__api_problem(req, 503,
                              "the database is not available (audit; the order %s "
                              "went to the broker)",
                              id);
        goto out;
    }
    if (!accepted) {
        res = kn__api_problem(req, 422, "the broker refused the order: %s", detail);
        goto out;
    }
    res = kn__api_json(req, 202,
                       json_pack("{s:s, s:s, s:s, s:s, s:s}", "messageId", id, "equipmentReference",
                                 ref, "transportDocumentReference", box.bill, "examType", exam,
                                 "status", "accepted by the broker"),
                       NULL, NULL);
out:
    json_decref(body);
    return res;
}

const kn__api_route_t kn__api_orders_routes[] = {
    {"POST", "/v1/containers/{}/inspection-orders", KN__API_STAFF, s_order},
    {NULL, NULL, 0, NULL},
};
