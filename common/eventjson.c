#include "eventjson.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A growing buffer in the arena. */
typedef struct {
    kn_arena_t *arena;
    char *buf;
    size_t len, cap;
    bool failed;
    bool first; /* no member written yet in the current object */
} s_out_t;

static void s_grow(s_out_t *o, size_t need)
{
    if (o->failed || o->len + need + 1 <= o->cap)
        return;
    size_t cap = o->cap ? o->cap * 2 : 512;
    while (cap < o->len + need + 1)
        cap *= 2;
    char *fresh = kn_arena_alloc(o->arena, cap);
    if (!fresh) {
        o->failed = true;
        return;
    }
    if (o->len)
        memcpy(fresh, o->buf, o->len);
    o->buf = fresh;
    o->cap = cap;
}

static void s_raw(s_out_t *o, const char *s, size_t n)
{
    s_grow(o, n);
    if (o->failed)
        return;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void s_lit(s_out_t *o, const char *s)
{
    s_raw(o, s, strlen(s));
}

/* A JSON string: quotes, backslash and control characters escaped; other bytes
 * (UTF-8 from the readers) as they are. */
static void s_str(s_out_t *o, const char *s)
{
    s_raw(o, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        /* copy the run of characters that need no escaping in one go */
        const unsigned char *run = p;
        while (*p && *p != '"' && *p != '\\' && *p >= 0x20)
            p++;
        if (p > run)
            s_raw(o, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            s_raw(o, esc, 2);
        } else {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            s_raw(o, esc, 6);
        }
        p++;
    }
    s_raw(o, "\"", 1);
}

static void s_key(s_out_t *o, const char *key)
{
    if (!o->first)
        s_raw(o, ",", 1);
    o->first = false;
    s_str(o, key);
    s_raw(o, ":", 1);
}

/* "key":"value", skipped when value is NULL */
static void s_member(s_out_t *o, const char *key, const char *value)
{
    if (!value)
        return;
    s_key(o, key);
    s_str(o, value);
}

static void s_number(s_out_t *o, const char *key, double value)
{
    if (value == 0)
        return;
    char num[32];
    snprintf(num, sizeof num, "%.15g", value);
    s_key(o, key);
    s_lit(o, num);
}

static void s_open(s_out_t *o, const char *key, const char *bracket)
{
    if (key)
        s_key(o, key);
    s_lit(o, bracket);
    o->first = true;
}

static void s_close(s_out_t *o, const char *bracket)
{
    s_lit(o, bracket);
    o->first = false;
}

static const char *s_code_key(kn_event_type_t type)
{
    switch (type) {
    case KN_EVENT_EQUIPMENT:
        return "equipmentEventTypeCode";
    case KN_EVENT_TRANSPORT:
        return "transportEventTypeCode";
    case KN_EVENT_SHIPMENT:
        return "shipmentEventTypeCode";
    }
    return "eventTypeCode";
}

char *kn_event_json(const kn_event_t *ev, kn_arena_t *arena)
{
    s_out_t o = {.arena = arena};
    s_open(&o, NULL, "{");
    s_member(&o, "eventType", kn_event_type_name(ev->type));
    s_member(&o, "eventClassifierCode", kn_event_class_name(ev->classifier));
    s_member(&o, "eventDateTime", ev->event_datetime);
    s_member(&o, s_code_key(ev->type), ev->code);
    s_member(&o, "equipmentReference", ev->equipment_reference);
    s_member(&o, "ISOEquipmentCode", ev->iso_equipment_code);
    s_member(&o, "emptyIndicatorCode", ev->empty_indicator);
    s_member(&o, "transportDocumentReference", ev->transport_document_reference);
    s_member(&o, "carrierBookingReference", ev->carrier_booking_reference);
    s_member(&o, "documentTypeCode", ev->document_type_code);
    if (ev->seals) {
        s_open(&o, "seals", "[");
        const char *p = ev->seals;
        while (*p) {
            size_t n = strcspn(p, ",");
            if (!o.first)
                s_raw(&o, ",", 1);
            o.first = false;
            s_lit(&o, "{\"sealNumber\":");
            char seal[128];
            snprintf(seal, sizeof seal, "%.*s", (int)(n < sizeof seal ? n : sizeof seal - 1), p);
            s_str(&o, seal);
            s_lit(&o, "}");
            p += n + (p[n] == ',');
        }
        s_close(&o, "]");
    }
    if (ev->vessel_imo || ev->vessel_name || ev->vessel_call_sign || ev->voyage ||
        ev->un_location_code || ev->facility_code) {
        s_open(&o, "transportCall", "{");
        s_member(&o, "UNLocationCode", ev->un_location_code);
        s_member(&o, "facilityCode", ev->facility_code);
        s_member(&o, "carrierVoyageNumber", ev->voyage);
        if (ev->vessel_imo || ev->vessel_name || ev->vessel_call_sign) {
            s_open(&o, "vessel", "{");
            s_member(&o, "vesselIMONumber", ev->vessel_imo);
            s_member(&o, "vesselName", ev->vessel_name);
            s_member(&o, "vesselCallSignNumber", ev->vessel_call_sign);
            s_close(&o, "}");
        }
        s_close(&o, "}");
    }
    /* kouan's own fields */
    s_number(&o, "grossWeightKg", ev->gross_weight_kg);
    s_number(&o, "verifiedGrossMassKg", ev->vgm_kg);
    s_member(&o, "temperatureSetting", ev->temperature);
    s_member(&o, "stowageCell", ev->stowage_cell);
    s_member(&o, "truckLicensePlate", ev->truck_plate);
    s_member(&o, "customsEntryId", ev->entry_id);
    s_member(&o, "examType", ev->exam_type);
    s_member(&o, "agentCode", ev->agent_code);
    s_member(&o, "agentName", ev->agent_name);
    s_member(&o, "taxStatus", ev->tax_status);
    if (ev->function == KN_FUNC_WITHDRAW)
        s_member(&o, "function", "WITHDRAW");
    s_member(&o, "messageKind", ev->message_kind);
    s_member(&o, "messageReference", ev->message_ref);
    s_member(&o, "position", ev->position);
    s_open(&o, "warnings", "[");
    for (const kn_warning_t *w = ev->warnings; w; w = w->next) {
        if (!o.first)
            s_raw(&o, ",", 1);
        o.first = true;
        s_lit(&o, "{");
        s_member(&o, "code", w->code);
        s_member(&o, "text", w->text);
        s_lit(&o, "}");
        o.first = false;
    }
    s_close(&o, "]");
    s_close(&o, "}");
    return o.failed ? NULL : o.buf;
}

char *kn_event_warnings_text(const kn_event_t *ev, kn_arena_t *arena)
{
    s_out_t o = {.arena = arena};
    s_lit(&o, "");
    for (const kn_warning_t *w = ev->warnings; w; w = w->next) {
        if (w != ev->warnings)
            s_lit(&o, "; ");
        s_lit(&o, w->code);
        s_lit(&o, ": ");
        s_lit(&o, w->text);
    }
    return o.failed ? NULL : o.buf;
}
