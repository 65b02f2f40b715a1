#include "adapter.h"
#include "customs.h"
#include "tax.h"
#include "terminal.h"
#include "vessel.h"

#include <stdio.h>
#include <string.h>

static const char *const s_edifact_types[] = {"application/edifact", "application/EDIFACT", NULL};
static const char *const s_xml_types[] = {"application/xml", "text/xml", NULL};

/* role + format → reader.  The broker looks readers up here only. */
static const kn_reader_t s_readers[] = {
    {KN_ROLE_TERMINAL, "edifact", s_edifact_types, kn_terminal_read,
     "UN/EDIFACT D.95B/D.00B COARRI, CODECO, BERMAN"},
    {KN_ROLE_TERMINAL, "vessel-xml", s_xml_types, kn_vessel_read,
     "kouan VesselStatus XML (terminals without BERMAN)"},
    {KN_ROLE_CUSTOMS, "customs-xml", s_xml_types, kn_customs_read,
     "China customs CLM10011/10021/10041 XML and manifest receipts"},
    {KN_ROLE_TAX, "tax-xml", s_xml_types, kn_tax_read, "TaxPayment XML"},
};
#define S_NREADERS (sizeof s_readers / sizeof s_readers[0])

const kn_reader_t *kn_adapter_find(kn_role_t role, const char *format)
{
    for (size_t i = 0; i < S_NREADERS; i++)
        if (s_readers[i].role == role && strcmp(s_readers[i].format, format) == 0)
            return &s_readers[i];
    return NULL;
}

const char *kn_adapter_formats(kn_role_t role, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < S_NREADERS; i++) {
        if (s_readers[i].role != role)
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", s_readers[i].format);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

int kn_adapter_read(const kn_reader_t *reader, const kn_inmsg_t *in, kn_arena_t *arena,
                    kn_event_list_t *out, kn_error_t *err)
{
    bool known = false;
    for (const char *const *t = reader->content_types; *t && !known; t++)
        known = strcmp(*t, in->content_type) == 0;
    if (!known)
        return kn_error_set(err, KN_EROLE, "",
                            "party %s (%s, format %s) may not send content type %s", in->party,
                            kn_role_name(in->role), reader->format, in->content_type);
    return reader->read(in, arena, out, err);
}
