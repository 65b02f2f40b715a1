/* kouan — the API's actions (see api.h):
 *
 *   POST /v1/certificates                 agent: mail my certificate of origin
 *   POST /v1/certificates/{no}/deposit    officer: it is in a locker (SMS code)
 *   POST /v1/certificates/{no}/pickup     agent: the SMS code (EMS order if right)
 *   GET  /v1/certificates/{no}            the certificate and its history
 *   GET  /v1/containers/{ref}/decisions   officer, admin: why the box went where
 *
 * The certificate steps are notify/certificate.c's, as kouan cert takes
 * them, each in one transaction with its audit row.  An agent has only its
 * own certificates: another's is answered as unknown (404), and a code
 * entered for it is not counted against it.  The pickup code comes in the
 * body alone (never in the URL, which proxies log) and is never logged,
 * stored or written to audit.
 * * An officer's manual inspection order is in orders.c: it reaches the broker
 * as customs' message, since the broker alone writes events and visits.
 */
#include "certificate.h"
#include "err.h"
#include "internal.h"
#include "log.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_CODE_MAX 16 /* bytes of an entered code: six digits, give or take a typo */

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */

/* The string members of body named in names (NULL-ended) into values, in
 * order; none other may be there.  false after answering why not. */
static bool s_strings(kn__api_req_t *req, json_t *body, const char *const *names,
                      const char **values, enum MHD_Result *res)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        size_t i = 0;
        while (names[i] && strcmp(names[i], key))
            i++;
        if (!names[i]) {
            *res = kn__api_problem(req, 400, "member %s is not one this call takes", key);
            return false;
        }
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
            *res = kn__api_problem(req, 400, "%s must be a string (without NUL characters)", key);
            return false;
        }
        values[i] = json_string_value(v);
    }
    return true;
}

static bool s_begin(kn__api_req_t *req)
{
    PGresult *r = kn__api_query(req, "BEGIN", 0, NULL);
    PQclear(r);
    return r != NULL;
}

/* Commit when ok (and say whether it did), else roll back. */
static bool s_end(kn__api_req_t *req, bool ok)
{
    PGresult *r = ok ? kn__api_query(req, "COMMIT", 0, NULL) : NULL;
    PQclear(r);
    if (!r)
        PQclear(PQexec(req->db, "ROLLBACK"));
    return r != NULL;
}

/* A certificate number as the API takes it: it goes in URLs. */
static bool s_certificate_no(const char *no)
{
    size_t n = strlen(no);
    return n > 0 && n <= KN_CERTIFICATE_NO_MAX &&
           strspn(no, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* The agent's code for an agent, NULL (any certificate) for the staff. */
static const char *s_agent(const kn__api_req_t *req)
{
    return req->who.agent[0] ? req->who.agent : NULL;
}

/* A certificate step's end, in its transaction: a refusal as its status,
 * DONE as status with the certificate shown, an audit row for either, and
 * the commit (a refused code is counted).  rc: the step's. */
static enum MHD_Result s_step_end(kn__api_req_t *req, const char *action, const char *no, int rc,
                                  const kn_certificate_result_t *res, unsigned done)
{
    if (rc == KN_EINVAL) {
        s_end(req, false);
        return kn__api_problem(req, 422, "%s", res->message);
    }
    if (rc) {
        kn_log(KN_LOG_ERROR, "api: %s %s: %s", action, no, res->message);
        s_end(req, false);
        return kn__api_problem(req, 503, "the database is not available");
    }
    unsigned status = done;
    switch (res->outcome) {
    case KN_CERTIFICATE_DONE:
        break;
    case KN_CERTIFICATE_UNKNOWN:
        status = 404;
        break;
    case KN_CERTIFICATE_WRONG_CODE:
        status = 422;
        break;
    default: /* requested already, locked, expired, not waiting for this step */
        status = 409;
        break;
    }
    json_t *view = NULL;
    char why[512];
    if (status == done && kn_certificate_show(req->db, no, s_agent(req), &view, why, sizeof why)) {
        kn_log(KN_LOG_ERROR, "api: %s %s: %s", action, no, why);
        s_end(req, false);
        return kn__api_problem(req, 503, "the database is not available");
    }
    if (!kn__api_audit(req, action, no, status, status == done) || !s_end(req, true)) {
        s_end(req, false);
        json_decref(view);
        return kn__api_problem(req, 503, "the database is not available");
    }
    if (status == 404)
        return kn__api_problem(req, 404, "no certificate %s among those you may see", no);
    if (status != done)
        return kn__api_problem(req, status, "%s", res->message);
    if (done != 201)
        return kn__api_json(req, done, view, NULL, NULL);
    char location[128];
    snprintf(location, sizeof location, "/v1/certificates/%s", no);
    return kn__api_json(req, done, view, "Location", location);
}

/* The code key, or false after answering 503 (and logging why). */
static bool s_key(kn__api_req_t *req, kn_certificate_key_t *key, enum MHD_Result *res)
{
    char why[512];
    if (kn_certificate_key_read(req->cfg, key, why, sizeof why) == 0)
        return true;
    kn_log(KN_LOG_ERROR, "api: %s", why);
    *res = kn__api_problem(req, 503,
                           "pickup codes cannot be made or checked now: the code key "
                           "cannot be read (the operators are told)");
    return false;
}

/* ------------------------------------------------------------------------ */
/* POST /v1/certificates                                                    */

static enum MHD_Result s_request(kn__api_req_t *req, const char *arg)
{
    (void)arg;
    static const char *const names[] = {"certificateNo", "agent",  "phone",   "name", "prov",
                                        "city",          "county", "address", NULL};
    const char *v[8] = {NULL};
    enum MHD_Result res;
    json_t *body = kn__api_body(req, &res);
    if (!body)
        return res;
    if (!s_strings(req, body, names, v, &res))
        goto out;
    /* the agent asks for its own certificates: the code is the token's */
    if (v[1] && strcmp(v[1], req->who.agent)) {
        res = kn__api_problem(req, 422, "agent %.64s is not your agent code (leave it out)", v[1]);
        goto out;
    }
    if (v[0] && !s_certificate_no(v[0])) {
        res = kn__api_problem(req, 422,
                              "certificateNo \"%.80s\" must be 1 to %d letters, digits, '.', '_' "
                              "or '-'",
                              v[0], KN_CERTIFICATE_NO_MAX);
        goto out;
    }
    kn_certificate_request_t r = {.certificate_no = v[0],
                                  .agent = req->who.agent,
                                  .phone = v[2] ? v[2] : "",
                                  .name = v[3],
                                  .prov = v[4],
                                  .city = v[5],
                                  .county = v[6],
                                  .address = v[7]};
    if (!s_begin(req)) {
        res = kn__api_problem(req, 503, "the database is not available");
        goto out;
    }
    kn_certificate_result_t result;
    int rc = kn_certificate_request(req->db, req->cfg, &r, &result);
    res = s_step_end(req, "POST /v1/certificates", v[0] ? v[0] : "", rc, &result, 201);
out:
    json_decref(body);
    return res;
}

/* ------------------------------------------------------------------------ */
/* POST /v1/certificates/{no}/deposit                                       */

static enum MHD_Result s_deposit(kn__api_req_t *req, const char *no)
{
    static const char *const names[] = {"locker", "compartment", NULL};
    const char *v[2] = {NULL};
    enum MHD_Result res;
    json_t *body = kn__api_body(req, &res);
    if (!body)
        return res;
    kn_certificate_key_t key;
    if (!s_strings(req, body, names, v, &res) || !s_key(req, &key, &res))
        goto out;
    if (!s_begin(req)) {
        OPENSSL_cleanse(&key, sizeof key);
        res = kn__api_problem(req, 503, "the database is not available");
        goto out;
    }
    kn_certificate_result_t result;
    int rc = kn_certificate_deposit(req->db, req->cfg, &key, no, v[0], v[1], &result);
    OPENSSL_cleanse(&key, sizeof key);
    if (rc == 0 && result.outcome == KN_CERTIFICATE_NOT_WAITING)
        snprintf(result.message, sizeof result.message,
                 "certificate %s is %s, not waiting for a deposit", no, result.status);
    res = s_step_end(req, "POST /v1/certificates/deposit", no, rc, &result, 200);
out:
    json_decref(body);
    return res;
}

/* ------------------------------------------------------------------------ */
/* POST /v1/certificates/{no}/pickup                                        */

static enum MHD_Result s_count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind, (void)key, (void)value;
    (*(unsigned *)cls)++;
    return MHD_YES;
}

static enum MHD_Result s_pickup(kn__api_req_t *req, const char *no)
{
    static const char *const names[] = {"code", NULL};
    unsigned args = 0;
    MHD_get_connection_values(req->c, MHD_GET_ARGUMENT_KIND, s_count_arg, &args);
    if (args)
        return kn__api_problem(req, 400,
                               "the code goes in the body ({\"code\": \"123456\"}), never in the "
                               "URL, which is logged on its way");
    const char *v[1] = {NULL};
    enum MHD_Result res;
    json_t *body = kn__api_body(req, &res);
    if (!body)
        return res;
    kn_certificate_key_t key;
    char code[S_CODE_MAX + 1];
    if (!s_strings(req, body, names, v, &res))
        goto out;
    if (!v[0] || !v[0][0] || strlen(v[0]) > S_CODE_MAX) {
        res = kn__api_problem(req, 422, "code is required: the six digits of the SMS");
        goto out;
    }
    if (!s_key(req, &key, &res))
        goto out;
    snprintf(code, sizeof code, "%s", v[0]);
    if (!s_begin(req)) {
        res = kn__api_problem(req, 503, "the database is not available");
    } else {
        kn_certificate_result_t result;
        int rc = kn_certificate_pickup(req->db, req->cfg, &key, no, s_agent(req), code, &result);
        res = s_step_end(req, "POST /v1/certificates/pickup", no, rc, &result, 200);
    }
    OPENSSL_cleanse(code, sizeof code);
    OPENSSL_cleanse(&key, sizeof key);
out:
    json_decref(body);
    return res;
}

/* ------------------------------------------------------------------------ */
/* GET /v1/certificates/{no}                                                */

static enum MHD_Result s_certificate(kn__api_req_t *req, const char *no)
{
    json_t *view = NULL;
    char why[512];
    int rc = kn_certificate_show(req->db, no, s_agent(req), &view, why, sizeof why);
    if (rc && rc != KN_ENOTFOUND) {
        kn_log(KN_LOG_ERROR, "api: GET /v1/certificates %s: %s", no, why);
        return kn__api_problem(req, 503, "the database is not available");
    }
    unsigned status = rc ? 404 : 200;
    if (!kn__api_audit(req, "GET /v1/certificates", no, status, !rc)) {
        json_decref(view);
        return kn__api_problem(req, 503, "the database is not available (audit)");
    }
    if (rc)
        return kn__api_problem(req, 404, "no certificate %s among those you may see", no);
    return kn__api_json(req, 200, view, NULL, NULL);
}

/* ------------------------------------------------------------------------ */
/* GET /v1/containers/{ref}/decisions                                       */

/* times in Beijing, to the millisecond: decisions come close together */
static const char s_decisions_sql[] =
    "SELECT to_char(d.decided_at AT TIME ZONE 'Asia/Shanghai', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"+08:00\"'), d.party, d.msg_id, (SELECT "
    "e.detail->>'messageKind' FROM event e WHERE e.party = d.party AND e.msg_id = d.msg_id "
    "ORDER BY e.seq LIMIT 1), d.decision_table, d.rules, d.inputs::text, d.route, d.reason, "
    "d.action, d.note, d.instruction_id, i.party, to_char(i.acked_at AT TIME ZONE "
    "'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"+08:00\"') FROM decision d LEFT JOIN "
    "instruction i ON i.instruction_id = d.instruction_id WHERE d.equipment_reference = $1 "
    "ORDER BY d.id";

static const char s_visits_sql[] =
    "SELECT direction, phase, route, to_char(opened_at AT TIME ZONE 'Asia/Shanghai', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"+08:00\"'), to_char(closed_at AT TIME ZONE "
    "'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"+08:00\"') FROM visit "
    "WHERE equipment_reference = $1 ORDER BY id";

/* Column c of row i under name, when it has a value. */
static void s_put(json_t *o, const char *name, PGresult *r, int i, int c)
{
    if (!PQgetisnull(r, i, c))
        json_object_set_new(o, name, json_string(PQgetvalue(r, i, c)));
}

static json_t *s_decision(PGresult *r, int i)
{
    json_t *d = json_object(), *rules = json_array();
    json_t *inputs = json_loads(PQgetvalue(r, i, 6), 0, NULL);
    if (!d || !rules || !inputs) {
        json_decref(d);
        json_decref(rules);
        json_decref(inputs);
        return NULL;
    }
    s_put(d, "decidedDateTime", r, i, 0);
    s_put(d, "party", r, i, 1);
    s_put(d, "messageId", r, i, 2);
    s_put(d, "messageKind", r, i, 3);
    s_put(d, "decisionTable", r, i, 4);
    /* the ids of the rules that fired, comma-separated; none: the fallback */
    for (const char *p = PQgetvalue(r, i, 5); *p;) {
        size_t n = strcspn(p, ",");
        json_array_append_new(rules, json_stringn(p, n));
        p += n + (p[n] == ',');
    }
    json_object_set_new(d, "rules", rules);
    json_object_set_new(d, "inputs", inputs);
    s_put(d, "route", r, i, 7);
    s_put(d, "reason", r, i, 8);
    s_put(d, "action", r, i, 9);
    s_put(d, "note", r, i, 10);
    if (!PQgetisnull(r, i, 11)) {
        json_t *ins = json_object();
        s_put(ins, "instructionID", r, i, 11);
        s_put(ins, "party", r, i, 12);
        s_put(ins, "acknowledgedDateTime", r, i, 13);
        json_object_set_new(d, "instruction", ins);
    }
    return d;
}

static enum MHD_Result s_decisions(kn__api_req_t *req, const char *box)
{
    enum MHD_Result bad;
    if (!kn__api_container(req, box, &bad))
        return bad;
    const char *params[1] = {box};
    PGresult *v = kn__api_query(req, s_visits_sql, 1, params);
    PGresult *d = v ? kn__api_query(req, s_decisions_sql, 1, params) : NULL;
    if (!d) {
        PQclear(v);
        return kn__api_problem(req, 503, "the database is not available");
    }
    int nv = PQntuples(v), nd = PQntuples(d);
    json_t *o = NULL;
    if (nv || nd) {
        json_t *visits = json_array(), *decisions = json_array();
        o = json_pack("{s:s, s:o, s:o}", "equipmentReference", box, "visits", visits, "decisions",
                      decisions);
        for (int i = 0; o && i < nv; i++) {
            json_t *visit = json_object();
            s_put(visit, "direction", v, i, 0);
            s_put(visit, "phase", v, i, 1);
            s_put(visit, "route", v, i, 2);
            s_put(visit, "openedDateTime", v, i, 3);
            s_put(visit, "closedDateTime", v, i, 4);
            if (json_array_append_new(visits, visit) != 0) {
                json_decref(o);
                o = NULL;
            }
        }
        for (int i = 0; o && i < nd; i++) {
            json_t *one = s_decision(d, i);
            if (!one || json_array_append_new(decisions, one) != 0) {
                json_decref(o);
                o = NULL;
            }
        }
    }
    PQclear(v);
    PQclear(d);
    if ((nv || nd) && !o)
        return MHD_NO;
    unsigned status = o ? 200 : 404;
    if (!kn__api_audit(req, "GET /v1/containers/decisions", box, status, (size_t)nd)) {
        json_decref(o);
        return kn__api_problem(req, 503, "the database is not available (audit)");
    }
    if (!o)
        return kn__api_problem(req, 404, "kouan has taken no decision for %s", box);
    return kn__api_json(req, 200, o, NULL, NULL);
}

const kn__api_route_t kn__api_actions_routes[] = {
    {"POST", "/v1/certificates", KN__API_AGENT, s_request},
    {"POST", "/v1/certificates/{}/deposit", KN__API_OFFICER, s_deposit},
    {"POST", "/v1/certificates/{}/pickup", KN__API_AGENT, s_pickup},
    {"GET", "/v1/certificates/{}", KN__API_AGENT | KN__API_STAFF, s_certificate},
    {"GET", "/v1/containers/{}/decisions", KN__API_STAFF, s_decisions},
    {NULL, NULL, 0, NULL},
};
