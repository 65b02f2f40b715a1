#include "status.h"
#include "err.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static bool s_is(const char *a, const char *b)
{
    return a && !strcmp(a, b);
}

/* "2026-11-23T10:00:00+08:00" → "10:00" */
static void s_hhmm(const char *iso, char out[8])
{
    snprintf(out, 8, "%.5s", iso && strlen(iso) >= 16 ? iso + 11 : "--:--");
}

void kn_status_line(const kn_status_t *st, char *zh, size_t zhsize, char *en, size_t ensize)
{
    const char *z = "状态已更新", *e = "Status updated";
    bool exp = s_is(st->direction, "export");
    char from[8], to[8];
    switch (st->kind) {
    case KN_STATUS_CLOSED:
        z = exp ? "已装船离港" : "已提离港区";
        e = exp ? "Loaded on board" : "Picked up, left the port";
        break;
    case KN_STATUS_WITHDRAWN:
        z = "原调度指令已撤回，等待新的安排";
        e = "Instruction withdrawn, awaiting a new plan";
        break;
    case KN_STATUS_ROUTE:
        if (s_is(st->route, "DIRECT_PICKUP")) {
            z = st->discharged ? "无需查验，可提离港区" : "无需查验，卸船后可直接提离";
            e = st->discharged ? "Released, ready for pickup"
                               : "No inspection: straight to pickup once discharged";
        } else if (s_is(st->route, "INSPECTION_AREA") && st->slot_start) {
            s_hhmm(st->slot_start, from);
            s_hhmm(st->slot_end, to);
            snprintf(zh, zhsize, "已安排查验 %.10s %s–%s（%s）", st->slot_start, from, to,
                     st->slot_area ? st->slot_area : "查验区");
            snprintf(en, ensize, "Inspection slot assigned %.10s %s–%s (%s)", st->slot_start, from,
                     to, st->slot_area ? st->slot_area : "inspection area");
            return;
        } else if (s_is(st->route, "INSPECTION_AREA")) {
            z = "需查验，直送查验区";
            e = "To be inspected: straight to the inspection area";
        } else if (s_is(st->route, "SCAN_LANE")) {
            z = "需机检，直送机检通道";
            e = "Machine scan: straight to the scan lane";
        } else if (s_is(st->route, "QUARANTINE")) {
            z = "需检疫，送检疫区";
            e = "Quarantine: to the quarantine area";
        } else if (s_is(st->route, "LOADING_STACK")) {
            z = "已进港，直送装船区";
            e = "Through the gate: straight to the loading stack";
        } else if (s_is(st->route, "YARD")) {
            z = exp ? "已进港，进入堆场" : "进入堆场，等待海关放行";
            e = exp ? "Through the gate: to the yard" : "To the yard, awaiting customs";
        }
        break;
    }
    snprintf(zh, zhsize, "%s", z);
    snprintf(en, ensize, "%s", e);
}

int kn_status_uuid(const char *name, char out[40])
{
    /* RFC 9562 §5.5: SHA-1 over a namespace UUID and the name */
    static const unsigned char ns[16] = {0x6b, 0x6f, 0x75, 0x61, 0x6e, 0x2d, 0x4e, 0x53,
                                         0x8e, 0x1f, 0x4a, 0x5d, 0x9c, 0x2b, 0x71, 0x30};
    unsigned char md[EVP_MAX_MD_SIZE] = {0};
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
              EVP_DigestUpdate(ctx, ns, sizeof ns) && EVP_DigestUpdate(ctx, name, strlen(name)) &&
              EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return KN_ENOMEM;
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
    snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0],
             md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12],
             md[13], md[14], md[15]);
    return 0;
}

/* set key to a string, or leave it out when s is NULL */
static int s_set(json_t *o, const char *key, const char *s)
{
    return s ? json_object_set_new(o, key, json_string(s)) : 0;
}

char *kn_status_json(const kn_status_t *st, kn_arena_t *arena)
{
    char zh[256], en[256];
    kn_status_line(st, zh, sizeof zh, en, sizeof en);
    bool exp = s_is(st->direction, "export");
    /* the DCSA equipment event this status stands for */
    const char *code = st->kind == KN_STATUS_CLOSED ? (exp ? "LOAD" : "GTOT")
                       : exp                        ? "GTIN"
                                                    : "DISC";
    const char *classifier =
        st->kind == KN_STATUS_CLOSED || (st->discharged && st->kind == KN_STATUS_ROUTE) ? "ACT"
                                                                                        : "PLN";
    json_t *o = json_object(), *line = json_object(), *k = json_object();
    int rc = !o || !line || !k;
    rc |= s_set(o, "eventID", st->event_id);
    rc |= s_set(o, "eventCreatedDateTime", st->created);
    rc |= s_set(o, "eventType", "EQUIPMENT");
    rc |= s_set(o, "eventClassifierCode", classifier);
    rc |= s_set(o, "equipmentEventTypeCode", code);
    rc |= s_set(o, "equipmentReference", st->box);
    rc |= s_set(o, "emptyIndicatorCode", "LADEN");
    if (st->bill) {
        json_t *refs = json_array(), *ref = json_object();
        rc |= !refs || !ref;
        rc |= s_set(ref, "documentReferenceType", "TRD");
        rc |= s_set(ref, "documentReferenceValue", st->bill);
        rc |= json_array_append_new(refs, ref);
        rc |= json_object_set_new(o, "documentReferences", refs);
    }
    if (st->facility || st->voyage || st->vessel_name) {
        json_t *call = json_object();
        rc |= !call;
        rc |= s_set(call, "facilityCode", st->facility);
        rc |= s_set(call, "carrierVoyageNumber", st->voyage);
        if (st->vessel_name) {
            json_t *vessel = json_object();
            rc |= !vessel || s_set(vessel, "vesselName", st->vessel_name);
            rc |= json_object_set_new(call, "vessel", vessel);
        }
        rc |= json_object_set_new(o, "transportCall", call);
    }
    rc |= s_set(line, "zh", zh);
    rc |= s_set(line, "en", en);
    rc |= json_object_set_new(o, "statusLine", line);
    rc |= s_set(k, "direction", st->direction);
    rc |= s_set(k, "phase", st->phase);
    rc |= s_set(k, "route", st->route);
    rc |= s_set(k, "reason", st->reason);
    if (st->slot_start) {
        json_t *slot = json_object();
        rc |= !slot;
        rc |= s_set(slot, "area", st->slot_area);
        rc |= s_set(slot, "start", st->slot_start);
        rc |= s_set(slot, "end", st->slot_end);
        rc |= json_object_set_new(k, "inspectionSlot", slot);
    }
    rc |= json_object_set_new(o, "kouan", k);
    char *text = rc ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    char *out = text ? kn_arena_strdup(arena, text) : NULL;
    free(text);
    return out;
}
