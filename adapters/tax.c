#include "tax.h"
#include "xmlsafe.h"

#include <stdbool.h>
#include <string.h>

#define S_SCHEMA "taxpayment.xsd" /* built in from adapters/schema */

/* A message type, the status its payments carry, and the event code. */
typedef struct {
    const char *type;   /* Head/MessageType */
    const char *status; /* Payment/Status */
    const char *code;   /* shipmentEventTypeCode */
} s_tax_kind_t;

static const s_tax_kind_t s_kinds[] = {
    {"DUTY_PAID", "PAID", "CMPL"},
    {"GUARANTEE_ACCEPTED", "GUARANTEED", "APPR"},
    {"REFUSED", "REFUSED", "REJE"},
    {"CANCELLED", "CANCELLED", "VOID"},
};

/* Text of parent's child name into *out; false (err filled) on no memory. */
static bool s_text(const xmlNode *parent, const char *name, kn_arena_t *arena, const char **out,
                   kn_error_t *err)
{
    if (kn_xmlsafe_child_text(parent, name, arena, out)) {
        kn_error_set(err, KN_ENOMEM, "", "tax: out of memory");
        return false;
    }
    return true;
}

static int s_require(const xmlNode *payment, const char *name, const char *value,
                     const char *status, kn_error_t *err)
{
    char pos[sizeof err->position];
    if (value)
        return 0;
    kn_xmlsafe_path(payment, name, pos, sizeof pos);
    return kn_error_set(err, KN_ESCHEMA, pos, "tax: status %s requires element %s", status, name);
}

/* One Payment → one event appended to events. */
static int s_read_payment(const xmlNode *payment, const s_tax_kind_t *kind, const char *ref,
                          const char *send_time, const char *position, kn_arena_t *arena,
                          kn_event_list_t *events, kn_error_t *err)
{
    const char *entry = NULL, *bill = NULL, *status = NULL, *amount = NULL, *paid_at = NULL,
               *guarantee = NULL;
    char pos[sizeof err->position];

    if (!s_text(payment, "EntryID", arena, &entry, err) ||
        !s_text(payment, "BillNo", arena, &bill, err) ||
        !s_text(payment, "Status", arena, &status, err) ||
        !s_text(payment, "Amount", arena, &amount, err) ||
        !s_text(payment, "PaidAt", arena, &paid_at, err) ||
        !s_text(payment, "GuaranteeNo", arena, &guarantee, err))
        return err->code;
    /* The schema made EntryID and Status present and well formed. */
    if (!entry || !status || strcmp(status, kind->status) != 0) {
        kn_xmlsafe_path(payment, "Status", pos, sizeof pos);
        return kn_error_set(err, KN_ESCHEMA, pos,
                            "tax: status %.20s does not match message type %s (expected %s)",
                            status ? status : "(none)", kind->type, kind->status);
    }
    int rc = 0;
    if (!strcmp(status, "PAID")) {
        rc = s_require(payment, "Amount", amount, status, err);
        if (!rc)
            rc = s_require(payment, "PaidAt", paid_at, status, err);
    } else if (!strcmp(status, "GUARANTEED")) {
        rc = s_require(payment, "Amount", amount, status, err);
        if (!rc)
            rc = s_require(payment, "GuaranteeNo", guarantee, status, err);
    }
    if (rc)
        return rc;

    kn_event_t *ev = kn_event_append(events, arena, KN_EVENT_SHIPMENT, kind->code);
    if (!ev || !position)
        return kn_error_set(err, KN_ENOMEM, "", "tax: out of memory");
    ev->classifier = KN_CLASS_ACT;
    ev->function = KN_FUNC_ADD;
    ev->event_datetime = paid_at ? paid_at : send_time;
    ev->message_kind = kind->type;
    ev->message_ref = ref;
    ev->position = position;
    ev->document_type_code = "TAX";
    ev->tax_status = kind->status;
    ev->entry_id = entry;
    ev->transport_document_reference = bill;
    return 0;
}

int kn_tax_read(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out, kn_error_t *err)
{
    int rc;
    xmlDoc *doc = NULL;
    xmlSchema *schema = NULL;
    kn_event_list_t events = {0};
    char pos[sizeof err->position];
    const char *type = NULL, *ref = NULL, *send_time = NULL;

    rc = kn_xmlsafe_load(in->data, in->len, NULL, &doc, err);
    if (rc)
        goto out;
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!kn_xmlsafe_is(root, "TaxPayment") || root->ns) {
        kn_xmlsafe_path(root, NULL, pos, sizeof pos);
        rc = kn_error_set(err, KN_EUNKNOWN, pos,
                          "tax: unknown message root element %.40s (expected TaxPayment without "
                          "namespace)",
                          (const char *)root->name);
        goto out;
    }
    /* Name an unknown type before the schema would call it an enumeration
     * failure. */
    const xmlNode *head = kn_xmlsafe_child(root, "Head");
    if (!s_text(head, "MessageType", arena, &type, err)) {
        rc = err->code;
        goto out;
    }
    const s_tax_kind_t *kind = NULL;
    for (size_t i = 0; type && i < sizeof s_kinds / sizeof s_kinds[0]; i++)
        if (!strcmp(type, s_kinds[i].type))
            kind = &s_kinds[i];
    if (type && !kind) {
        kn_xmlsafe_path(head, "MessageType", pos, sizeof pos);
        rc = kn_error_set(err, KN_EUNKNOWN, pos, "tax: unknown message type %.40s", type);
        goto out;
    }

    rc = kn_xmlsafe_schema(S_SCHEMA, &schema, err);
    if (rc)
        goto out;
    rc = kn_xmlsafe_validate(schema, doc, "tax", err);
    if (rc)
        goto out;
    /* Valid: Head, its MessageType (hence kind), MessageID and SendTime exist. */
    if (!kind) {
        rc = kn_error_set(err, KN_ESCHEMA, "/TaxPayment/Head/MessageType",
                          "tax: missing required element MessageType");
        goto out;
    }
    if (!s_text(head, "MessageID", arena, &ref, err) ||
        !s_text(head, "SendTime", arena, &send_time, err)) {
        rc = err->code;
        goto out;
    }

    size_t n = kn_xmlsafe_count(root, "Payment"), i = 0;
    for (const xmlNode *p = kn_xmlsafe_child(root, "Payment"); p;
         p = kn_xmlsafe_next(p, "Payment"), i++) {
        const char *position = n > 1 ? kn_arena_printf(arena, "/TaxPayment/Payment[%zu]", i + 1)
                                     : "/TaxPayment/Payment";
        rc = s_read_payment(p, kind, ref, send_time, position, arena, &events, err);
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
