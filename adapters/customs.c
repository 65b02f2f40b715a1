#include "customs.h"
#include "xmlsafe.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* A CLM message type and what it says about each box. */
typedef struct {
    const char *kind; /* MESSAGE_TYPE */
    const char *code; /* shipmentEventTypeCode */
    bool inspection;  /* an inspection order: EXAM_TYPE required when adding */
} s_clm_kind_t;

static const s_clm_kind_t s_clm_kinds[] = {
    {"CLM10011", "RELS", false}, /* release for pickup */
    {"CLM10021", "HOLD", true},  /* inspection order */
    {"CLM10041", "APPR", false}, /* discharge instruction */
};

/* Containers listed beside the BILL_INFOs belong to all of them; real lists of
 * that shape have one bill or a few consolidated ones.  More would multiply
 * into every event, so such a list is refused. */
#define S_BESIDE_MAX_BILLS 100

/* Manifest receipts kouan records. */
static const char *const s_manifest_kinds[] = {"MT1101", "MT2101", "MT3101", "MT4101", "MT5101"};

/* One message being read. */
typedef struct {
    kn_arena_t *arena;
    kn_error_t *err;
    kn_event_list_t events;     /* built here, handed to the caller only on success */
    int rc;                     /* first failure; every step is a no-op after it */
    bool inspection;            /* EXAM_TYPE required (inspection order, adding) */
    const char *code;           /* event code for every event of the message */
    const char *message_kind;   /* MESSAGE_TYPE / MessageType */
    const char *message_ref;    /* MESSAGE_ID / MessageID */
    const char *event_datetime; /* ISO 8601 with +08:00 */
    const char *facility;       /* RECEIVER terminal, or NULL */
    kn_event_func_t function;   /* add or withdraw */
    const char *vessel_imo;     /* manifest only */
    const char *vessel_name;    /* manifest only (CLM: per bill) */
    const char *voyage;         /* manifest only (CLM: per bill) */
} s_reader_t;

/* What a BILL_INFO says, or what the bills of a MESSAGE_LIST say together
 * about a container beside them. */
typedef struct {
    const xmlNode *node;     /* the BILL_INFO (or MESSAGE_LIST when merged) */
    const char *bill_no;     /* comma separated when merged */
    const char *vessel_name; /* SHIP_NAME_EN */
    const char *voyage;      /* VOYAGE_NO */
    const char *entry_id;    /* comma separated when merged */
    const char *agent_name;
    const char *agent_code;
    const char *exam_type;
} s_bill_t;

/* ---- small helpers ------------------------------------------------------ */

static void s_nomem(s_reader_t *r)
{
    if (!r->rc)
        r->rc = kn_error_set(r->err, KN_ENOMEM, "", "customs: out of memory");
}

/* Text of parent's child name, or NULL (absent, empty, or after a failure). */
static const char *s_text(s_reader_t *r, const xmlNode *parent, const char *name)
{
    const char *t = NULL;
    if (r->rc)
        return NULL;
    if (kn_xmlsafe_child_text(parent, name, r->arena, &t)) {
        s_nomem(r);
        return NULL;
    }
    return t;
}

static void s_missing(s_reader_t *r, const xmlNode *parent, const char *name, const char *why)
{
    char pos[sizeof r->err->position];
    if (r->rc)
        return;
    kn_xmlsafe_path(parent, name, pos, sizeof pos);
    r->rc = kn_error_set(r->err, KN_ESCHEMA, pos, "customs: %s element %s%s",
                         kn_xmlsafe_child(parent, name) ? "empty required" : "missing required",
                         name, why ? why : "");
}

/* Text of a required child; fails the message when absent or empty. */
static const char *s_required(s_reader_t *r, const xmlNode *parent, const char *name)
{
    const char *t = s_text(r, parent, name);
    if (!t)
        s_missing(r, parent, name, NULL);
    return t;
}

static const xmlNode *s_required_child(s_reader_t *r, const xmlNode *parent, const char *name)
{
    const xmlNode *c = r->rc ? NULL : kn_xmlsafe_child(parent, name);
    if (!c)
        s_missing(r, parent, name, NULL);
    return c;
}

static bool s_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int s_num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int s_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Beijing wall-clock time in text → "YYYY-MM-DDTHH:MM:SS+08:00".  compact:
 * "YYYYMMDDHHmmss[fff]" (manifest); else "YYYY-MM-DD HH:MM:SS" (CLM; a 'T'
 * is accepted for the space). */
static const char *s_time(s_reader_t *r, const xmlNode *parent, const char *name, bool compact)
{
    const char *t = s_required(r, parent, name);
    if (!t)
        return NULL;
    size_t n = strlen(t);
    int y, mo, d, h, mi, s;
    bool ok;
    if (compact) {
        ok = (n == 14 || n == 17) && s_digits(t, n);
        y = ok ? s_num(t, 4) : 0;
        mo = ok ? s_num(t + 4, 2) : 0;
        d = ok ? s_num(t + 6, 2) : 0;
        h = ok ? s_num(t + 8, 2) : 0;
        mi = ok ? s_num(t + 10, 2) : 0;
        s = ok ? s_num(t + 12, 2) : 0;
    } else {
        ok = n == 19 && s_digits(t, 4) && t[4] == '-' && s_digits(t + 5, 2) && t[7] == '-' &&
             s_digits(t + 8, 2) && (t[10] == ' ' || t[10] == 'T') && s_digits(t + 11, 2) &&
             t[13] == ':' && s_digits(t + 14, 2) && t[16] == ':' && s_digits(t + 17, 2);
        y = ok ? s_num(t, 4) : 0;
        mo = ok ? s_num(t + 5, 2) : 0;
        d = ok ? s_num(t + 8, 2) : 0;
        h = ok ? s_num(t + 11, 2) : 0;
        mi = ok ? s_num(t + 14, 2) : 0;
        s = ok ? s_num(t + 17, 2) : 0;
    }
    ok = ok && y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= s_days_in_month(y, mo) &&
         h <= 23 && mi <= 59 && s <= 59;
    if (!ok) {
        char pos[sizeof r->err->position];
        kn_xmlsafe_path(kn_xmlsafe_child(parent, name), NULL, pos, sizeof pos);
        r->rc = kn_error_set(r->err, KN_ESCHEMA, pos, "customs: %s \"%.40s\" is not a time (%s)",
                             name, t, compact ? "YYYYMMDDHHmmss[fff]" : "YYYY-MM-DD HH:MM:SS");
        return NULL;
    }
    const char *iso =
        kn_arena_printf(r->arena, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, mo, d, h, mi, s);
    if (!iso)
        s_nomem(r);
    return iso;
}

/* A container number that fails ISO 6346 is kept, with a warning. */
static void s_check_container(s_reader_t *r, kn_event_t *ev)
{
    const char *no = ev->equipment_reference;
    if (r->rc || !no || kn_iso6346_valid(no))
        return;
    int digit = kn_iso6346_check_digit(no);
    int rc;
    if (strlen(no) == 11 && digit >= 0)
        rc = kn_event_warn(ev, r->arena, "CHECK_DIGIT",
                           "container number %s fails the ISO 6346 check digit (should be %d)", no,
                           digit);
    else
        rc = kn_event_warn(ev, r->arena, "CHECK_DIGIT",
                           "container number %.40s is not an ISO 6346 number", no);
    if (rc)
        s_nomem(r);
}

/* A new event with what every event of the message shares. */
static kn_event_t *s_event(s_reader_t *r, const char *position)
{
    if (r->rc)
        return NULL;
    kn_event_t *ev = kn_event_append(&r->events, r->arena, KN_EVENT_SHIPMENT, r->code);
    if (!ev || !position) {
        s_nomem(r);
        return NULL;
    }
    ev->classifier = KN_CLASS_ACT;
    ev->function = r->function;
    ev->event_datetime = r->event_datetime;
    ev->message_kind = r->message_kind;
    ev->message_ref = r->message_ref;
    ev->position = position;
    ev->document_type_code = "CUS";
    ev->facility_code = r->facility;
    ev->vessel_imo = r->vessel_imo;
    ev->vessel_name = r->vessel_name;
    ev->voyage = r->voyage;
    return ev;
}

/* The distinct non-NULL values of one field of bills[0..n), comma separated,
 * built in one allocation (n is small: see S_BESIDE_MAX_BILLS). */
static const char *s_join(s_reader_t *r, const s_bill_t *bills, size_t n, size_t field)
{
    const char *first = NULL;
    size_t total = 0, distinct = 0;
    if (r->rc)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *v = *(const char *const *)((const char *)&bills[i] + field);
        bool seen = false;
        for (size_t k = 0; v && !seen && k < i; k++) {
            const char *w = *(const char *const *)((const char *)&bills[k] + field);
            seen = w && !strcmp(v, w);
        }
        if (!v || seen)
            continue;
        if (!first)
            first = v;
        total += strlen(v) + 1;
        distinct++;
    }
    if (distinct <= 1)
        return first;
    char *joined = kn_arena_alloc(r->arena, total);
    if (!joined) {
        s_nomem(r);
        return NULL;
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = *(const char *const *)((const char *)&bills[i] + field);
        bool seen = false;
        for (size_t k = 0; v && !seen && k < i; k++) {
            const char *w = *(const char *const *)((const char *)&bills[k] + field);
            seen = w && !strcmp(v, w);
        }
        if (!v || seen)
            continue;
        size_t len = strlen(v);
        if (off)
            joined[off++] = ',';
        memcpy(joined + off, v, len);
        off += len;
    }
    joined[off] = '\0';
    return joined;
}

/* ---- CLM family --------------------------------------------------------- */

static void s_read_bill(s_reader_t *r, const xmlNode *node, s_bill_t *bill)
{
    memset(bill, 0, sizeof *bill);
    bill->node = node;
    bill->bill_no = s_required(r, node, "BILL_NO");
    bill->vessel_name = s_text(r, node, "SHIP_NAME_EN");
    bill->voyage = s_text(r, node, "VOYAGE_NO");
    bill->entry_id = s_text(r, node, "ENTRY_ID");
    bill->agent_name = s_text(r, node, "AGENT_NAME");
    bill->agent_code = s_text(r, node, "AGENT_CODE");
    bill->exam_type = s_text(r, node, "EXAM_TYPE");
}

/* The bills of a MESSAGE_LIST as seen by a container beside them. */
static void s_merge_bills(s_reader_t *r, const xmlNode *list, const s_bill_t *bills, size_t n,
                          s_bill_t *merged)
{
    memset(merged, 0, sizeof *merged);
    merged->node = list;
    merged->bill_no = s_join(r, bills, n, offsetof(s_bill_t, bill_no));
    merged->entry_id = s_join(r, bills, n, offsetof(s_bill_t, entry_id));
    for (size_t i = 0; i < n && !r->rc; i++) {
        if (!merged->vessel_name)
            merged->vessel_name = bills[i].vessel_name;
        if (!merged->voyage)
            merged->voyage = bills[i].voyage;
        if (!merged->agent_name)
            merged->agent_name = bills[i].agent_name;
        if (!merged->agent_code)
            merged->agent_code = bills[i].agent_code;
        if (!merged->exam_type)
            merged->exam_type = bills[i].exam_type;
    }
}

static const char *s_empty_indicator(const char *model)
{
    if (!model)
        return NULL;
    if (!strcmp(model, "F") || !strcmp(model, "L"))
        return "LADEN";
    if (!strcmp(model, "E"))
        return "EMPTY";
    return NULL;
}

/* One event: the container (or, when NULL, the bill itself) of bill. */
static void s_emit_clm(s_reader_t *r, const s_bill_t *bill, const xmlNode *container,
                       const char *position)
{
    const char *no = NULL, *size = NULL, *model = NULL, *seal = NULL, *exam = NULL;
    if (container) {
        no = s_required(r, container, "CONTA_NO");
        size = s_text(r, container, "CONTA_SIZE");
        model = s_text(r, container, "CONTA_MODEL");
        seal = s_text(r, container, "SEAL_NO");
        exam = s_text(r, container, "EXAM_TYPE");
    }
    if (!exam)
        exam = bill->exam_type;
    if (r->inspection && !exam)
        s_missing(r, container ? container : bill->node, "EXAM_TYPE", " (inspection order)");
    kn_event_t *ev = s_event(r, position);
    if (!ev)
        return;
    ev->equipment_reference = no;
    ev->iso_equipment_code = size;
    ev->empty_indicator = s_empty_indicator(model);
    ev->seals = seal;
    ev->transport_document_reference = bill->bill_no;
    ev->entry_id = bill->entry_id;
    ev->exam_type = r->inspection ? exam : NULL;
    ev->agent_name = bill->agent_name;
    ev->agent_code = bill->agent_code;
    ev->vessel_name = bill->vessel_name;
    ev->voyage = bill->voyage;
    s_check_container(r, ev);
}

/* "[i]" when an element has same-named siblings (XPath's position), else "". */
static const char *s_index(char *buf, size_t size, size_t i, size_t count)
{
    if (count > 1)
        snprintf(buf, size, "[%zu]", i + 1);
    else
        buf[0] = '\0';
    return buf;
}

static void s_read_list(s_reader_t *r, const xmlNode *list, const char *list_path)
{
    size_t nbills = kn_xmlsafe_count(list, "BILL_INFO");
    size_t nbeside = kn_xmlsafe_count(list, "CONTAINER_INFO");
    s_bill_t *bills = NULL;
    char ib[32], ic[32];

    if (nbeside && nbills > S_BESIDE_MAX_BILLS && !r->rc) {
        r->rc = kn_error_set(r->err, KN_ESCHEMA, list_path,
                             "customs: %zu bills share the containers listed beside them (at "
                             "most %d)",
                             nbills, S_BESIDE_MAX_BILLS);
        return;
    }
    if (nbills) {
        bills = kn_arena_calloc(r->arena, nbills, sizeof *bills);
        if (!bills) {
            s_nomem(r);
            return;
        }
    }
    size_t i = 0;
    for (const xmlNode *b = kn_xmlsafe_child(list, "BILL_INFO"); b && !r->rc;
         b = kn_xmlsafe_next(b, "BILL_INFO"), i++) {
        s_read_bill(r, b, &bills[i]);
        const char *bill_path = kn_arena_printf(r->arena, "%s/BILL_INFO%s", list_path,
                                                s_index(ib, sizeof ib, i, nbills));
        size_t ninside = kn_xmlsafe_count(b, "CONTAINER_INFO");
        if (ninside == 0 && nbeside == 0)
            s_emit_clm(r, &bills[i], NULL, bill_path);
        size_t j = 0;
        for (const xmlNode *c = kn_xmlsafe_child(b, "CONTAINER_INFO"); c && !r->rc;
             c = kn_xmlsafe_next(c, "CONTAINER_INFO"), j++)
            s_emit_clm(r, &bills[i], c,
                       bill_path ? kn_arena_printf(r->arena, "%s/CONTAINER_INFO%s", bill_path,
                                                   s_index(ic, sizeof ic, j, ninside))
                                 : NULL);
    }
    if (nbeside && !r->rc) {
        s_bill_t merged;
        s_merge_bills(r, list, bills, nbills, &merged);
        size_t j = 0;
        for (const xmlNode *c = kn_xmlsafe_child(list, "CONTAINER_INFO"); c && !r->rc;
             c = kn_xmlsafe_next(c, "CONTAINER_INFO"), j++)
            s_emit_clm(r, &merged, c,
                       kn_arena_printf(r->arena, "%s/CONTAINER_INFO%s", list_path,
                                       s_index(ic, sizeof ic, j, nbeside)));
    }
}

static void s_read_clm(s_reader_t *r, const xmlNode *root)
{
    const xmlNode *head = s_required_child(r, root, "MESSAGE_HEAD");
    const char *type = s_required(r, head, "MESSAGE_TYPE");
    if (r->rc)
        return;
    const s_clm_kind_t *kind = NULL;
    for (size_t i = 0; i < sizeof s_clm_kinds / sizeof s_clm_kinds[0]; i++)
        if (!strcmp(type, s_clm_kinds[i].kind))
            kind = &s_clm_kinds[i];
    if (!kind) {
        char pos[sizeof r->err->position];
        kn_xmlsafe_path(head, "MESSAGE_TYPE", pos, sizeof pos);
        r->rc = kn_error_set(r->err, KN_EUNKNOWN, pos, "customs: unknown message type %.40s", type);
        return;
    }
    r->message_kind = kind->kind;
    r->code = kind->code;
    r->message_ref = s_required(r, head, "MESSAGE_ID");
    const char *function = s_required(r, head, "FUNCTION_CODE");
    r->event_datetime = s_time(r, head, "MESSAGE_CREATE_TIME", false);
    r->facility = s_text(r, head, "RECEIVER");
    if (r->rc)
        return;
    if (!strcmp(function, "2")) {
        r->function = KN_FUNC_ADD;
    } else if (!strcmp(function, "3")) {
        r->function = KN_FUNC_WITHDRAW;
    } else {
        char pos[sizeof r->err->position];
        kn_xmlsafe_path(head, "FUNCTION_CODE", pos, sizeof pos);
        r->rc = kn_error_set(r->err, KN_ESCHEMA, pos,
                             "customs: function code %.20s is not supported (2 adds, 3 withdraws)",
                             function);
        return;
    }
    /* A withdrawal names the boxes; it need not repeat the exam type. */
    r->inspection = kind->inspection && r->function == KN_FUNC_ADD;

    size_t nlists = kn_xmlsafe_count(root, "MESSAGE_LIST");
    if (nlists == 0) {
        s_missing(r, root, "MESSAGE_LIST", NULL);
        return;
    }
    char il[32];
    size_t k = 0;
    for (const xmlNode *l = kn_xmlsafe_child(root, "MESSAGE_LIST"); l && !r->rc;
         l = kn_xmlsafe_next(l, "MESSAGE_LIST"), k++) {
        const char *path = kn_arena_printf(r->arena, "/%s/MESSAGE_LIST%s", (const char *)root->name,
                                           s_index(il, sizeof il, k, nlists));
        if (!path) {
            s_nomem(r);
            return;
        }
        s_read_list(r, l, path);
    }
    if (!r->rc && r->events.count == 0) {
        char pos[sizeof r->err->position];
        kn_xmlsafe_path(kn_xmlsafe_child(root, "MESSAGE_LIST"), NULL, pos, sizeof pos);
        r->rc = kn_error_set(r->err, KN_ESCHEMA, pos, "customs: %s lists no bill and no container",
                             r->message_kind);
    }
}

/* ---- Manifest family ---------------------------------------------------- */

/* Sea transport means are identified as "UN" + IMO number. */
static const char *s_imo(const char *id)
{
    if (!id)
        return NULL;
    if (!strncmp(id, "UN", 2))
        id += 2;
    return strlen(id) == 7 && s_digits(id, 7) ? id : NULL;
}

static void s_emit_manifest(s_reader_t *r, const char *bill, const char *container,
                            const char *position)
{
    kn_event_t *ev = s_event(r, position);
    if (!ev)
        return;
    ev->transport_document_reference = bill;
    ev->equipment_reference = container;
    s_check_container(r, ev);
}

static void s_read_manifest(s_reader_t *r, const xmlNode *root)
{
    const xmlNode *head = s_required_child(r, root, "Head");
    const char *type = s_required(r, head, "MessageType");
    if (r->rc)
        return;
    for (size_t i = 0; i < sizeof s_manifest_kinds / sizeof s_manifest_kinds[0]; i++)
        if (!strcmp(type, s_manifest_kinds[i]))
            r->message_kind = s_manifest_kinds[i];
    if (!r->message_kind) {
        char pos[sizeof r->err->position];
        kn_xmlsafe_path(head, "MessageType", pos, sizeof pos);
        r->rc = kn_error_set(r->err, KN_EUNKNOWN, pos, "customs: unknown message type %.40s", type);
        return;
    }
    r->code = "RECE";
    r->message_ref = s_required(r, head, "MessageID");
    const char *function = s_text(r, head, "FunctionCode");
    r->function = function && !strcmp(function, "3") ? KN_FUNC_WITHDRAW : KN_FUNC_ADD;
    r->event_datetime = s_time(r, head, "SendTime", true);

    const xmlNode *body = kn_xmlsafe_child(root, "Response");
    const char *body_name = "Response";
    if (!body) {
        body = kn_xmlsafe_child(root, "Declaration");
        body_name = "Declaration";
    }
    if (!body) {
        s_missing(r, root, "Response", NULL);
        return;
    }
    const xmlNode *means = kn_xmlsafe_child(body, "BorderTransportMeans");
    r->voyage = s_text(r, means, "JourneyID");
    r->vessel_imo = s_imo(s_text(r, means, "ID"));
    r->vessel_name = s_text(r, means, "Name");
    if (r->rc)
        return;

    const char *body_path =
        kn_arena_printf(r->arena, "/%s/%s", (const char *)root->name, body_name);
    size_t ncons = kn_xmlsafe_count(body, "Consignment");
    char ic[32], ie[32];
    size_t i = 0;
    for (const xmlNode *c = kn_xmlsafe_child(body, "Consignment"); c && !r->rc && body_path;
         c = kn_xmlsafe_next(c, "Consignment"), i++) {
        const char *bill = s_required(r, s_required_child(r, c, "TransportContractDocument"), "ID");
        const char *cons_path = kn_arena_printf(r->arena, "%s/Consignment%s", body_path,
                                                s_index(ic, sizeof ic, i, ncons));
        size_t nequip = kn_xmlsafe_count(c, "TransportEquipment");
        if (nequip == 0)
            s_emit_manifest(r, bill, NULL, cons_path);
        size_t j = 0;
        for (const xmlNode *e = kn_xmlsafe_child(c, "TransportEquipment"); e && !r->rc;
             e = kn_xmlsafe_next(e, "TransportEquipment"), j++) {
            const char *no = s_required(r, s_required_child(r, e, "EquipmentIdentification"), "ID");
            s_emit_manifest(r, bill, no,
                            cons_path
                                ? kn_arena_printf(r->arena, "%s/TransportEquipment%s", cons_path,
                                                  s_index(ie, sizeof ie, j, nequip))
                                : NULL);
        }
    }
    if (!body_path)
        s_nomem(r);
    if (!r->rc && ncons == 0) {
        if (!means) {
            char pos[sizeof r->err->position];
            kn_xmlsafe_path(body, NULL, pos, sizeof pos);
            r->rc = kn_error_set(r->err, KN_ESCHEMA, pos,
                                 "customs: %s receipt names neither a vessel call nor a bill",
                                 r->message_kind);
            return;
        }
        s_emit_manifest(r, NULL, NULL,
                        kn_arena_printf(r->arena, "%s/BorderTransportMeans", body_path));
    }
}

/* ---- entry point -------------------------------------------------------- */

int kn_customs_read(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out, kn_error_t *err)
{
    xmlDoc *doc = NULL;
    s_reader_t r;

    memset(&r, 0, sizeof r);
    r.arena = arena;
    r.err = err;
    r.rc = kn_xmlsafe_load(in->data, in->len, NULL, &doc, err);
    if (r.rc)
        goto out;

    const xmlNode *root = xmlDocGetRootElement(doc);
    if (kn_xmlsafe_is(root, "MESSAGE")) {
        s_read_clm(&r, root);
    } else if (kn_xmlsafe_is(root, "Manifest")) {
        s_read_manifest(&r, root);
    } else {
        char pos[sizeof err->position];
        kn_xmlsafe_path(root, NULL, pos, sizeof pos);
        r.rc = kn_error_set(err, KN_EUNKNOWN, pos,
                            "customs: unknown message root element %.40s (expected MESSAGE or "
                            "Manifest)",
                            (const char *)root->name);
    }
    if (r.rc)
        goto out;

    /* Hand the events over only now, so a refused message appends nothing. */
    if (!r.events.head)
        goto out;
    if (out->tail)
        out->tail->next = r.events.head;
    else
        out->head = r.events.head;
    out->tail = r.events.tail;
    out->count += r.events.count;
out:
    if (doc)
        xmlFreeDoc(doc);
    return r.rc;
}
