#include "vessel.h"
#include "xmlsafe.h"

#include <string.h>

#define S_SCHEMA "vessel-status.xsd" /* built in from adapters/schema */

/* A status and how it becomes an event. */
typedef struct {
    const char *status; /* VesselCall/Status */
    const char *kind;   /* message_kind */
    const char *code;   /* transportEventTypeCode */
    bool at_facility;   /* the event happens at the terminal (facility_code set) */
} s_status_t;

static const s_status_t s_statuses[] = {
    {"ARRIVED", "VESSEL_ARRIVED", "ARRI", false},
    {"BERTHED", "VESSEL_BERTHED", "ARRI", true},
    {"DEPARTED", "VESSEL_DEPARTED", "DEPA", true},
};

/* Everything of one VesselCall but the time. */
typedef struct {
    const s_status_t *status;
    const char *imo, *name, *call_sign, *voyage, *facility, *locode;
} s_call_t;

bool kn_vessel_imo_valid(const char *imo)
{
    if (!imo || strlen(imo) != 7)
        return false;
    int sum = 0;
    for (int i = 0; i < 7; i++)
        if (imo[i] < '0' || imo[i] > '9')
            return false;
    for (int i = 0; i < 6; i++)
        sum += (imo[i] - '0') * (7 - i);
    return sum % 10 == imo[6] - '0';
}

static int s_nomem(kn_error_t *err)
{
    return kn_error_set(err, KN_ENOMEM, "", "vessel: out of memory");
}

/* Text of parent's child name into *out; KN_ENOMEM (err filled) or 0. */
static int s_text(const xmlNode *parent, const char *name, kn_arena_t *arena, const char **out,
                  kn_error_t *err)
{
    return kn_xmlsafe_child_text(parent, name, arena, out) ? s_nomem(err) : 0;
}

static int s_emit(const s_call_t *call, const char *when, kn_event_class_t classifier,
                  const char *ref, const char *position, kn_arena_t *arena, kn_event_list_t *events,
                  kn_error_t *err)
{
    kn_event_t *ev = kn_event_append(events, arena, KN_EVENT_TRANSPORT, call->status->code);
    if (!ev || !position)
        return s_nomem(err);
    ev->classifier = classifier;
    ev->function = KN_FUNC_ADD;
    ev->event_datetime = when;
    ev->message_kind = call->status->kind;
    ev->message_ref = ref;
    ev->position = position;
    ev->vessel_imo = call->imo;
    ev->vessel_name = call->name;
    ev->vessel_call_sign = call->call_sign;
    ev->voyage = call->voyage;
    ev->un_location_code = call->locode;
    ev->facility_code = call->status->at_facility ? call->facility : NULL;
    if (!kn_vessel_imo_valid(call->imo) &&
        kn_event_warn(ev, arena, "CHECK_DIGIT", "vessel IMO number %.20s fails the IMO check digit",
                      call->imo ? call->imo : "(none)"))
        return s_nomem(err);
    return 0;
}

static int s_read_call(const xmlNode *node, const char *ref, const char *path, kn_arena_t *arena,
                       kn_event_list_t *events, kn_error_t *err)
{
    s_call_t call;
    const char *status = NULL, *estimated = NULL, *actual = NULL;
    const xmlNode *vessel = kn_xmlsafe_child(node, "Vessel");
    int rc;

    memset(&call, 0, sizeof call);
    if ((rc = s_text(vessel, "IMO", arena, &call.imo, err)) ||
        (rc = s_text(vessel, "Name", arena, &call.name, err)) ||
        (rc = s_text(vessel, "CallSign", arena, &call.call_sign, err)) ||
        (rc = s_text(node, "Voyage", arena, &call.voyage, err)) ||
        (rc = s_text(node, "Facility", arena, &call.facility, err)) ||
        (rc = s_text(node, "UNLocode", arena, &call.locode, err)) ||
        (rc = s_text(node, "Status", arena, &status, err)) ||
        (rc = s_text(node, "Estimated", arena, &estimated, err)) ||
        (rc = s_text(node, "Actual", arena, &actual, err)))
        return rc;
    for (size_t i = 0; status && i < sizeof s_statuses / sizeof s_statuses[0]; i++)
        if (!strcmp(status, s_statuses[i].status))
            call.status = &s_statuses[i];
    if (!call.status) /* the schema enumerates them: cannot happen */
        return kn_error_set(err, KN_ESCHEMA, path ? path : "", "vessel: unknown status %.20s",
                            status ? status : "(none)");
    if (estimated && (rc = s_emit(&call, estimated, KN_CLASS_EST, ref,
                                  path ? kn_arena_printf(arena, "%s/Estimated", path) : NULL, arena,
                                  events, err)))
        return rc;
    if (actual &&
        (rc = s_emit(&call, actual, KN_CLASS_ACT, ref,
                     path ? kn_arena_printf(arena, "%s/Actual", path) : NULL, arena, events, err)))
        return rc;
    return 0;
}

int kn_vessel_read(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out, kn_error_t *err)
{
    int rc;
    xmlDoc *doc = NULL;
    xmlSchema *schema = NULL;
    kn_event_list_t events = {0};
    const char *ref = NULL;

    rc = kn_xmlsafe_load(in->data, in->len, NULL, &doc, err);
    if (rc)
        goto out;
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!kn_xmlsafe_is(root, "VesselStatus") || root->ns) {
        char pos[sizeof err->position];
        kn_xmlsafe_path(root, NULL, pos, sizeof pos);
        rc = kn_error_set(err, KN_EUNKNOWN, pos,
                          "vessel: unknown message root element %.40s (expected VesselStatus "
                          "without namespace)",
                          (const char *)root->name);
        goto out;
    }
    rc = kn_xmlsafe_schema(S_SCHEMA, &schema, err);
    if (rc)
        goto out;
    rc = kn_xmlsafe_validate(schema, doc, "vessel", err);
    if (rc)
        goto out;
    rc = s_text(kn_xmlsafe_child(root, "Head"), "MessageID", arena, &ref, err);
    if (rc)
        goto out;

    size_t n = kn_xmlsafe_count(root, "VesselCall"), i = 0;
    for (const xmlNode *c = kn_xmlsafe_child(root, "VesselCall"); c;
         c = kn_xmlsafe_next(c, "VesselCall"), i++) {
        const char *path = n > 1 ? kn_arena_printf(arena, "/VesselStatus/VesselCall[%zu]", i + 1)
                                 : "/VesselStatus/VesselCall";
        rc = s_read_call(c, ref, path, arena, &events, err);
        if (rc)
            goto out;
    }

    /* Hand the events over only now, so a refused message appends nothing. */
    if (events.head) {
        if (out->tail)
            out->tail->next = events.head;
        else
            out->head = events.head;
        out->tail = events.tail;
        out->count += events.count;
    }
out:
    if (doc)
        xmlFreeDoc(doc);
    return rc;
}
