#include "instruction.h"
#include "xmlsafe.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define S_SCHEMA "kouan-diversion.xsd" /* built in from adapters/schema */
#define S_BEIJING_OFFSET_MIN (8 * 60)

static const char *const s_routes[] = {
    "DIRECT_PICKUP", "INSPECTION_AREA", "SCAN_LANE", "QUARANTINE", "YARD", "LOADING_STACK"};

/* ---- times ---- */

/* A parsed "YYYY-MM-DDTHH:MM:SS[.f](Z|±HH:MM)"; offset in minutes east of UTC. */
typedef struct {
    int y, mo, d, h, mi, s;
    int offset;
} s_time_t;

static bool s_digits(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (t[i] < '0' || t[i] > '9')
            return false;
    return true;
}

static int s_num(const char *t, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (t[i] - '0');
    return v;
}

static int s_days_in_month(int y, int mo)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return mo == 2 && leap ? 29 : days[mo - 1];
}

static bool s_date_ok(int y, int mo, int d, int h, int mi, int s)
{
    return y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= s_days_in_month(y, mo) && h <= 23 &&
           mi <= 59 && s <= 59;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t s_days_from_civil(int y, int mo, int d)
{
    y -= mo <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void s_civil_from_days(int64_t z, int *y, int *mo, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *mo = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*mo <= 2));
}

/* Parse an ISO 8601 time with offset, the DateTimeWithOffset of the schema. */
static bool s_parse_iso(const char *t, s_time_t *out)
{
    size_t n = strlen(t);
    if (n < 20 || !s_digits(t, 4) || t[4] != '-' || !s_digits(t + 5, 2) || t[7] != '-' ||
        !s_digits(t + 8, 2) || t[10] != 'T' || !s_digits(t + 11, 2) || t[13] != ':' ||
        !s_digits(t + 14, 2) || t[16] != ':' || !s_digits(t + 17, 2))
        return false;
    out->y = s_num(t, 4);
    out->mo = s_num(t + 5, 2);
    out->d = s_num(t + 8, 2);
    out->h = s_num(t + 11, 2);
    out->mi = s_num(t + 14, 2);
    out->s = s_num(t + 17, 2);
    const char *p = t + 19;
    if (*p == '.') {
        size_t f = 0;
        while (p[1 + f] >= '0' && p[1 + f] <= '9')
            f++;
        if (f < 1 || f > 9)
            return false;
        p += 1 + f;
    }
    if (!strcmp(p, "Z")) {
        out->offset = 0;
    } else {
        if (strlen(p) != 6 || (p[0] != '+' && p[0] != '-') || !s_digits(p + 1, 2) || p[3] != ':' ||
            !s_digits(p + 4, 2))
            return false;
        int oh = s_num(p + 1, 2), om = s_num(p + 4, 2);
        if (om > 59 || oh * 60 + om > 14 * 60)
            return false;
        out->offset = (p[0] == '-' ? -1 : 1) * (oh * 60 + om);
    }
    return s_date_ok(out->y, out->mo, out->d, out->h, out->mi, out->s);
}

/* Seconds since the epoch (UTC). */
static int64_t s_epoch(const s_time_t *t)
{
    return s_days_from_civil(t->y, t->mo, t->d) * 86400 + t->h * 3600 + t->mi * 60 + t->s -
           (int64_t)t->offset * 60;
}

/* ---- checking the fields ---- */

/* v for an error message when it is short printable ASCII, else a stand-in
 * (never echo control characters or a huge value). */
static const char *s_show(const char *v)
{
    size_t i = 0;
    for (; v[i]; i++)
        if (i >= 40 || v[i] < 0x20 || v[i] > 0x7e)
            return "(not shown)";
    return v;
}

static int s_invalid(kn_error_t *err, const char *field, const char *what)
{
    return kn_error_set(err, KN_EINVAL, field, "instruction: %s %s", field, what);
}

/* A required field is non-NULL, an optional one may be NULL; neither empty. */
static int s_check_present(const char *field, const char *v, bool required, kn_error_t *err)
{
    if (!v)
        return required ? s_invalid(err, field, "is missing") : 0;
    if (!*v)
        return s_invalid(err, field, required ? "is empty" : "is empty (pass NULL to omit it)");
    return 0;
}

/* A code: 1..max bytes, each [A-Za-z0-9] or in punct, or any of [!-~] when punct
 * is NULL. */
static int s_check_code(const char *field, const char *v, bool required, size_t max,
                        const char *punct, const char *expect, kn_error_t *err)
{
    int rc = s_check_present(field, v, required, err);
    if (rc || !v)
        return rc;
    size_t i = 0;
    for (; v[i]; i++) {
        unsigned char c = (unsigned char)v[i];
        bool ok = punct ? ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || (c && strchr(punct, c)))
                        : c >= '!' && c <= '~';
        if (ok)
            continue;
        if (c < 0x20 || c == 0x7f)
            return kn_error_set(err, KN_EINVAL, field,
                                "instruction: %s contains control character U+%04X at byte %zu",
                                field, c, i);
        if (c >= 0x80)
            return kn_error_set(err, KN_EINVAL, field,
                                "instruction: %s contains a non-ASCII byte at byte %zu (expected "
                                "%s)",
                                field, i, expect);
        return kn_error_set(err, KN_EINVAL, field,
                            "instruction: %s contains '%c' at byte %zu (expected %s)", field, c, i,
                            expect);
    }
    if (i > max)
        return kn_error_set(err, KN_EINVAL, field,
                            "instruction: %s is %zu bytes long (expected %s)", field, i, expect);
    return 0;
}

/* Free text: valid UTF-8 of XML characters, no control characters but tab and
 * newline, 1..max characters, not blank. */
static int s_check_text(const char *field, const char *v, bool required, size_t max,
                        kn_error_t *err)
{
    int rc = s_check_present(field, v, required, err);
    if (rc || !v)
        return rc;
    const unsigned char *p = (const unsigned char *)v;
    size_t chars = 0;
    bool blank = true;
    for (size_t i = 0; p[i];) {
        uint32_t cp;
        size_t n;
        unsigned char c = p[i];
        if (c < 0x80) {
            cp = c, n = 1;
        } else if (c >= 0xc2 && c <= 0xdf) {
            cp = c & 0x1f, n = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            cp = c & 0x0f, n = 3;
        } else if (c >= 0xf0 && c <= 0xf4) {
            cp = c & 0x07, n = 4;
        } else {
            goto bad_utf8;
        }
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                goto bad_utf8;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        /* overlong, surrogate, beyond U+10FFFF */
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            goto bad_utf8;
        if ((cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7f && cp <= 0x9f))
            return kn_error_set(err, KN_EINVAL, field,
                                "instruction: %s contains control character U+%04X at byte %zu",
                                field, (unsigned)cp, i);
        if (cp == 0xfffe || cp == 0xffff)
            return kn_error_set(err, KN_EINVAL, field,
                                "instruction: %s contains non-character U+%04X at byte %zu", field,
                                (unsigned)cp, i);
        if (cp != ' ' && cp != '\t' && cp != '\n')
            blank = false;
        chars++;
        i += n;
        continue;
    bad_utf8:
        return kn_error_set(err, KN_EINVAL, field, "instruction: %s is not valid UTF-8 at byte %zu",
                            field, i);
    }
    if (blank)
        return s_invalid(err, field, "is blank");
    if (chars > max)
        return kn_error_set(err, KN_EINVAL, field,
                            "instruction: %s is %zu characters long (at most %zu)", field, chars,
                            max);
    return 0;
}

static int s_check_time(const char *field, const char *v, bool required, s_time_t *t,
                        kn_error_t *err)
{
    int rc = s_check_present(field, v, required, err);
    if (rc || !v)
        return rc;
    if (!s_parse_iso(v, t))
        return kn_error_set(err, KN_EINVAL, field,
                            "instruction: %s \"%s\" is not an ISO 8601 time with offset "
                            "(YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM))",
                            field, s_show(v));
    return 0;
}

static int s_check(const kn_instruction_t *ins, s_time_t *created, kn_error_t *err)
{
    int rc;
    s_time_t start, end;

    if ((rc = s_check_code("instruction_id", ins->instruction_id, true, 64, "._-",
                           "[A-Za-z0-9._-]{1,64}", err)))
        return rc;
    if (ins->function != KN_FUNC_ADD && ins->function != KN_FUNC_WITHDRAW)
        return kn_error_set(err, KN_EINVAL, "function",
                            "instruction: function %d is neither KN_FUNC_ADD (2) nor "
                            "KN_FUNC_WITHDRAW (3)",
                            (int)ins->function);
    if ((rc =
             s_check_code("receiver", ins->receiver, true, 32, "_-", "[A-Za-z0-9_-]{1,32}", err)) ||
        (rc = s_check_time("create_time", ins->create_time, true, created, err)))
        return rc;

    const char *no = ins->equipment_reference;
    if ((rc = s_check_present("equipment_reference", no, true, err)))
        return rc;
    bool ok = strlen(no) == 11;
    for (size_t i = 0; ok && i < 11; i++)
        ok = i < 4 ? no[i] >= 'A' && no[i] <= 'Z' : no[i] >= '0' && no[i] <= '9';
    if (!ok)
        return kn_error_set(err, KN_EINVAL, "equipment_reference",
                            "instruction: equipment_reference \"%s\" is not a container number "
                            "(4 capital letters and 7 digits)",
                            s_show(no));

    if ((rc = s_check_code("transport_document_reference", ins->transport_document_reference, false,
                           35, NULL, "[!-~]{1,35}", err)) ||
        (rc = s_check_text("vessel_name", ins->vessel_name, false, 70, err)) ||
        (rc = s_check_code("voyage", ins->voyage, false, 17, NULL, "[!-~]{1,17}", err)) ||
        (rc = s_check_present("route", ins->route, true, err)))
        return rc;
    ok = false;
    for (size_t i = 0; !ok && i < sizeof s_routes / sizeof s_routes[0]; i++)
        ok = !strcmp(ins->route, s_routes[i]);
    if (!ok)
        return kn_error_set(err, KN_EINVAL, "route",
                            "instruction: route \"%s\" is not one of DIRECT_PICKUP, "
                            "INSPECTION_AREA, SCAN_LANE, QUARANTINE, YARD, LOADING_STACK",
                            s_show(ins->route));

    if ((rc = s_check_text("reason", ins->reason, true, 512, err)) ||
        (rc = s_check_text("inspection_area", ins->inspection_area, false, 70, err)) ||
        (rc = s_check_time("slot_start", ins->slot_start, false, &start, err)) ||
        (rc = s_check_time("slot_end", ins->slot_end, false, &end, err)))
        return rc;
    if (!ins->slot_start != !ins->slot_end) {
        const char *missing = ins->slot_start ? "slot_end" : "slot_start";
        return kn_error_set(err, KN_EINVAL, missing,
                            "instruction: %s is missing (a slot has both ends or neither)",
                            missing);
    }
    if (ins->slot_start && s_epoch(&end) <= s_epoch(&start))
        return kn_error_set(err, KN_EINVAL, "slot_end",
                            "instruction: slot_end %s is not after slot_start %s", ins->slot_end,
                            ins->slot_start);
    return s_check_code("exam_type", ins->exam_type, false, 16, "_-", "[A-Za-z0-9_-]{1,16}", err);
}

/* ---- writing ---- */

static char *s_put(char *w, const char *s, size_t n)
{
    memcpy(w, s, n);
    return w + n;
}

#define S_PUT(w, lit) s_put((w), (lit), sizeof(lit) - 1)

static char *s_escaped(char *w, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            w = S_PUT(w, "&amp;");
            break;
        case '<':
            w = S_PUT(w, "&lt;");
            break;
        case '>':
            w = S_PUT(w, "&gt;");
            break;
        case '"':
            w = S_PUT(w, "&quot;");
            break;
        default:
            *w++ = *s;
        }
    }
    return w;
}

/* indent<name>value</name>LF, nothing when value is NULL. */
static char *s_element(char *w, const char *indent, const char *name, const char *value)
{
    if (!value)
        return w;
    size_t n = strlen(name);
    w = s_put(w, indent, strlen(indent));
    *w++ = '<';
    w = s_put(w, name, n);
    *w++ = '>';
    w = s_escaped(w, value);
    w = S_PUT(w, "</");
    w = s_put(w, name, n);
    return S_PUT(w, ">\n");
}

char *kn_instruction_xml(const kn_instruction_t *ins, kn_arena_t *arena, size_t *len,
                         kn_error_t *err)
{
    assert(ins && arena && err);
    s_time_t t;
    if (s_check(ins, &t, err))
        return NULL;

    /* Beijing wall-clock time of create_time. */
    int64_t local = s_epoch(&t) + S_BEIJING_OFFSET_MIN * 60;
    int y = 0, mo, d;
    if (local >= 0)
        s_civil_from_days(local / 86400, &y, &mo, &d);
    if (local < 0 || y > 9999) {
        kn_error_set(err, KN_EINVAL, "create_time",
                     "instruction: create_time %s is outside years 1970 to 9999 in Beijing time",
                     ins->create_time);
        return NULL;
    }
    int64_t secs = local % 86400;
    char created[48];
    int h = (int)(secs / 3600), mi = (int)(secs / 60 % 60), s = (int)(secs % 60);
    snprintf(created, sizeof created, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s);

    /* Every field is bounded by s_check, so this cannot overflow: the markup
     * of the longest message, plus each value escaped at worst 6 bytes a byte. */
    const char *values[] = {ins->instruction_id,
                            ins->receiver,
                            ins->equipment_reference,
                            ins->transport_document_reference,
                            ins->vessel_name,
                            ins->voyage,
                            ins->route,
                            ins->reason,
                            ins->inspection_area,
                            ins->slot_start,
                            ins->slot_end,
                            ins->exam_type};
    size_t cap = 1024 + 1;
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        cap += values[i] ? 6 * strlen(values[i]) : 0;
    char *buf = kn_arena_alloc(arena, cap);
    if (!buf) {
        kn_error_set(err, KN_ENOMEM, "", "instruction: out of memory");
        return NULL;
    }

    static const char h2[] = "    ", h3[] = "      ";
    char *w = buf;
    w = S_PUT(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MESSAGE>\n  <MESSAGE_HEAD>\n");
    w = s_element(w, h2, "MESSAGE_ID", ins->instruction_id);
    w = s_element(w, h2, "FUNCTION_CODE", ins->function == KN_FUNC_WITHDRAW ? "3" : "2");
    w = s_element(w, h2, "MESSAGE_TYPE", KN_INSTRUCTION_TYPE);
    w = s_element(w, h2, "SENDER", "KOUAN");
    w = s_element(w, h2, "RECEIVER", ins->receiver);
    w = s_element(w, h2, "MESSAGE_CREATE_TIME", created);
    w = s_element(w, h2, "VERSION", "1.0");
    w = S_PUT(w, "  </MESSAGE_HEAD>\n  <MESSAGE_LIST>\n    <DIVERSION_INFO>\n");
    w = s_element(w, h3, "CONTA_NO", ins->equipment_reference);
    w = s_element(w, h3, "BILL_NO", ins->transport_document_reference);
    w = s_element(w, h3, "SHIP_NAME_EN", ins->vessel_name);
    w = s_element(w, h3, "VOYAGE_NO", ins->voyage);
    w = s_element(w, h3, "ROUTE", ins->route);
    w = s_element(w, h3, "REASON", ins->reason);
    w = s_element(w, h3, "INSPECTION_AREA", ins->inspection_area);
    w = s_element(w, h3, "SLOT_START", ins->slot_start);
    w = s_element(w, h3, "SLOT_END", ins->slot_end);
    w = s_element(w, h3, "EXAM_TYPE", ins->exam_type);
    w = S_PUT(w, "    </DIVERSION_INFO>\n  </MESSAGE_LIST>\n</MESSAGE>\n");
    *w = '\0';
    assert((size_t)(w - buf) < cap);
    if (len)
        *len = (size_t)(w - buf);
    return buf;
}

/* ---- reading ---- */

typedef struct {
    kn_arena_t *arena;
    kn_error_t *err;
    int rc;
} s_reader_t;

static const char *s_text(s_reader_t *r, const xmlNode *parent, const char *name)
{
    const char *v = NULL;
    if (!r->rc && kn_xmlsafe_child_text(parent, name, r->arena, &v))
        r->rc = kn_error_set(r->err, KN_ENOMEM, "", "instruction: out of memory");
    return r->rc ? NULL : v;
}

int kn_instruction_read(const unsigned char *data, size_t len, kn_arena_t *arena,
                        kn_instruction_t *out, kn_error_t *err)
{
    assert(data && arena && out && err);
    int rc;
    xmlDoc *doc = NULL;
    xmlSchema *schema = NULL;
    char pos[sizeof err->position];
    kn_instruction_t ins = {0};
    s_reader_t r = {arena, err, 0};

    memset(out, 0, sizeof *out);
    rc = kn_xmlsafe_load(data, len, NULL, &doc, err);
    if (rc)
        goto out;
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!kn_xmlsafe_is(root, "MESSAGE") || root->ns) {
        kn_xmlsafe_path(root, NULL, pos, sizeof pos);
        rc = kn_error_set(err, KN_EUNKNOWN, pos,
                          "instruction: unknown message root element %.40s (expected MESSAGE "
                          "without namespace)",
                          (const char *)root->name);
        goto out;
    }
    /* Name another CLM-style message before the schema would call it an
     * enumeration failure. */
    const xmlNode *head = kn_xmlsafe_child(root, "MESSAGE_HEAD");
    const char *type = s_text(&r, head, "MESSAGE_TYPE");
    if (r.rc) {
        rc = r.rc;
        goto out;
    }
    if (type && strcmp(type, KN_INSTRUCTION_TYPE) != 0) {
        kn_xmlsafe_path(head, "MESSAGE_TYPE", pos, sizeof pos);
        rc = kn_error_set(
            err, KN_EUNKNOWN, pos,
            "instruction: unknown message type %.40s (expected " KN_INSTRUCTION_TYPE ")", type);
        goto out;
    }

    rc = kn_xmlsafe_schema(S_SCHEMA, &schema, err);
    if (rc)
        goto out;
    rc = kn_xmlsafe_validate(schema, doc, "instruction", err);
    if (rc)
        goto out;

    /* Valid: every required element is there and well formed. */
    const xmlNode *info =
        kn_xmlsafe_child(kn_xmlsafe_child(root, "MESSAGE_LIST"), "DIVERSION_INFO");
    const char *function = s_text(&r, head, "FUNCTION_CODE");
    const char *created = s_text(&r, head, "MESSAGE_CREATE_TIME");
    ins.instruction_id = s_text(&r, head, "MESSAGE_ID");
    ins.receiver = s_text(&r, head, "RECEIVER");
    ins.equipment_reference = s_text(&r, info, "CONTA_NO");
    ins.transport_document_reference = s_text(&r, info, "BILL_NO");
    ins.vessel_name = s_text(&r, info, "SHIP_NAME_EN");
    ins.voyage = s_text(&r, info, "VOYAGE_NO");
    ins.route = s_text(&r, info, "ROUTE");
    ins.reason = s_text(&r, info, "REASON");
    ins.inspection_area = s_text(&r, info, "INSPECTION_AREA");
    ins.slot_start = s_text(&r, info, "SLOT_START");
    ins.slot_end = s_text(&r, info, "SLOT_END");
    ins.exam_type = s_text(&r, info, "EXAM_TYPE");
    if (r.rc) {
        rc = r.rc;
        goto out;
    }
    ins.function = function && !strcmp(function, "3") ? KN_FUNC_WITHDRAW : KN_FUNC_ADD;

    /* "YYYY-MM-DD HH:MM:SS" by the schema; the day against the month here. */
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (created && strlen(created) == 19) {
        y = s_num(created, 4), mo = s_num(created + 5, 2), d = s_num(created + 8, 2);
        h = s_num(created + 11, 2), mi = s_num(created + 14, 2), s = s_num(created + 17, 2);
    }
    if (!s_date_ok(y, mo, d, h, mi, s)) {
        kn_xmlsafe_path(head, "MESSAGE_CREATE_TIME", pos, sizeof pos);
        rc = kn_error_set(err, KN_ESCHEMA, pos,
                          "instruction: line %ld: MESSAGE_CREATE_TIME \"%.40s\" is not a date",
                          kn_xmlsafe_line(kn_xmlsafe_child(head, "MESSAGE_CREATE_TIME")),
                          created ? created : "");
        goto out;
    }
    ins.create_time =
        kn_arena_printf(arena, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, mo, d, h, mi, s);
    if (!ins.create_time) {
        rc = kn_error_set(err, KN_ENOMEM, "", "instruction: out of memory");
        goto out;
    }

    if (ins.slot_start) {
        s_time_t start, end;
        const char *bad = !s_parse_iso(ins.slot_start, &start) ? "SLOT_START"
                          : !s_parse_iso(ins.slot_end, &end)   ? "SLOT_END"
                                                               : NULL;
        if (bad || s_epoch(&end) <= s_epoch(&start)) {
            const xmlNode *el = kn_xmlsafe_child(info, bad ? bad : "SLOT_END");
            kn_xmlsafe_path(el, NULL, pos, sizeof pos);
            if (bad)
                rc = kn_error_set(err, KN_ESCHEMA, pos,
                                  "instruction: line %ld: %s is not a time from 1970 on",
                                  kn_xmlsafe_line(el), bad);
            else
                rc = kn_error_set(err, KN_ESCHEMA, pos,
                                  "instruction: line %ld: SLOT_END %.40s is not after SLOT_START "
                                  "%.40s",
                                  kn_xmlsafe_line(el), ins.slot_end, ins.slot_start);
            goto out;
        }
    }
    *out = ins;
out:
    if (doc)
        xmlFreeDoc(doc);
    return rc;
}
