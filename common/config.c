#include "config.h"
#include "err.h"
#include "keys.h"

#include <assert.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_PARTY_SECTION "party.*"
#define S_PARTY_PREFIX "party."
#define S_MAX_PARTIES 1024

/* The option table: every option kouan reads, once. */
static const kn_option_t s_options[] = {
    {"broker", "bind", KN_OPT_STRING, "tcp://127.0.0.1:7710", 0, 0, NULL, false,
     "ZeroMQ endpoint the parties connect to (CURVE on every connection)"},
    {"broker", "secret_key_file", KN_OPT_PATH, "broker.key", 0, 0, NULL, false,
     "the broker's CURVE secret key (kouan keygen broker), mode 0600"},
    {"broker", "batch_max", KN_OPT_INT, "1024", 1, 8000, NULL, true,
     "most messages written in one transaction"},
    {"broker", "max_message_bytes", KN_OPT_INT, "4194304", 1024, 67108864, NULL, true,
     "largest payload accepted; larger ones are refused and kept truncated"},
    {"broker", "log_level", KN_OPT_ENUM, "info", 0, 0, "debug|info|notice|warning|error", true,
     "lowest level logged"},
    {"broker", "redeliver_ms", KN_OPT_INT, "5000", 100, 3600000, NULL, true,
     "resend an instruction a party has not acknowledged after this long"},
    {"broker", "rules_file", KN_OPT_PATH, "", 0, 0, NULL, true,
     "DMN file with the decision table \"diversion\"; empty = the built-in rules/diversion.dmn"},
    {"broker", "visit_cache", KN_OPT_INT, "100000", 1, 100000000, NULL, true,
     "container visits kept in memory; beyond, visits are rebuilt from the database"},
    {"broker", "linger_ms", KN_OPT_INT, "2000", 0, 60000, NULL, false,
     "how long acknowledgements may take to leave at shutdown"},
    {"database", "conninfo", KN_OPT_STRING, "", 0, 0, NULL, false,
     "libpq connection string (multi-host allowed); empty = the private cluster in data_dir"},
    {"database", "data_dir", KN_OPT_PATH, "pgdata", 0, 0, NULL, false,
     "data directory of the private PostgreSQL cluster (kouan db start)"},
    {"database", "reconnect_min_ms", KN_OPT_INT, "100", 10, 60000, NULL, true,
     "first wait before reconnecting to PostgreSQL"},
    {"database", "reconnect_max_ms", KN_OPT_INT, "5000", 100, 600000, NULL, true,
     "longest wait between reconnection attempts (doubling from reconnect_min_ms)"},
    {"inspection", "capacity_per_hour", KN_OPT_INT, "4", 0, 1000, NULL, true,
     "boxes each terminal's inspection area takes per hour (0 = no slots are given)"},
    {"inspection", "opens_hour", KN_OPT_INT, "8", 0, 23, NULL, true,
     "first slot of the day, Beijing time (hour)"},
    {"inspection", "closes_hour", KN_OPT_INT, "20", 1, 24, NULL, true,
     "the area closes at this hour, Beijing time: the last slot ends then"},
    {"inspection", "lead_minutes", KN_OPT_INT, "30", 0, 1440, NULL, true,
     "earliest slot after the box is discharged (or gated in): time to move it there"},
    {"inspection", "horizon_hours", KN_OPT_INT, "72", 1, 720, NULL, true,
     "look this far ahead for a free slot; none free: the box is routed without one"},
    {"notify", "miniprogram_url", KN_OPT_STRING, "", 0, 0, NULL, true,
     "the mini-program backend's webhook (signed status events); empty = none"},
    {"notify", "miniprogram_secret_file", KN_OPT_PATH, "miniprogram.secret", 0, 0, NULL, true,
     "its Standard Webhooks secret (whsec_...), mode 0600"},
    {"notify", "sms_url", KN_OPT_STRING, "", 0, 0, NULL, true,
     "the SMS gateway (pickup codes); empty = none"},
    {"notify", "sms_secret_file", KN_OPT_PATH, "sms.secret", 0, 0, NULL, true,
     "the SMS gateway's Standard Webhooks secret (whsec_...), mode 0600"},
    {"notify", "ems_url", KN_OPT_STRING, "", 0, 0, NULL, true,
     "the EMS open platform's order endpoint; empty = none"},
    {"notify", "ems_key_file", KN_OPT_PATH, "ems.key", 0, 0, NULL, true,
     "the EMS sign key (base64 of 16 bytes, or 32 hex digits), mode 0600"},
    {"notify", "ems_sender_no", KN_OPT_STRING, "", 0, 0, NULL, true,
     "EMS agreement customer number (senderNo)"},
    {"notify", "ems_authorization", KN_OPT_STRING, "", 0, 0, NULL, true, "EMS authorisation code"},
    {"notify", "timeout_ms", KN_OPT_INT, "10000", 100, 600000, NULL, true,
     "a delivery that has no answer after this long has failed"},
    {"notify", "max_attempts", KN_OPT_INT, "10", 1, 1000, NULL, true,
     "tries before a notification is dead-lettered"},
    {"notify", "subscriber_private_ok", KN_OPT_BOOL, "false", 0, 0, NULL, true,
     "let DCSA subscribers' callbacks reach loopback, private and link-local addresses (for "
     "kouan sink in tests; never where subscribers are outsiders)"},
    {"notify", "backoff_min_ms", KN_OPT_INT, "1000", 10, 3600000, NULL, true,
     "wait after the first failure (doubling, with jitter, up to backoff_max_ms)"},
    {"notify", "backoff_max_ms", KN_OPT_INT, "300000", 10, 86400000, NULL, true,
     "longest wait between tries (also caps Retry-After)"},
    {"notify", "concurrency_per_endpoint", KN_OPT_INT, "4", 1, 256, NULL, true,
     "deliveries in flight at once to one endpoint"},
    {"notify", "lease_s", KN_OPT_INT, "60", 5, 3600, NULL, true,
     "a claimed notification returns to the others after this long if its worker dies"},
    {"sink", "listen", KN_OPT_STRING, "127.0.0.1:7790", 0, 0, NULL, false,
     "address and port kouan sink listens on (tests and the demo only)"},
    {"sink", "record_file", KN_OPT_PATH, "sink.jsonl", 0, 0, NULL, false,
     "what kouan sink received, one JSON object per line"},
    {"sink", "dcsa_secret_file", KN_OPT_PATH, "", 0, 0, NULL, false,
     "the DCSA subscription secret (base64) kouan sink checks callbacks with; empty = none"},
    {"sink", "stall_ms", KN_OPT_INT, "30000", 0, 600000, NULL, false,
     "how long kouan sink holds a request when told to stall"},
    {"api", "listen", KN_OPT_STRING, "127.0.0.1:7792", 0, 0, NULL, false,
     "address and port kouan api listens on (DCSA events, timelines, health, metrics)"},
    {"api", "page_size", KN_OPT_INT, "100", 1, 1000, NULL, true,
     "events per page when the caller gives no limit"},
    {"api", "page_max", KN_OPT_INT, "1000", 1, 10000, NULL, true,
     "most events per page a caller may ask for (limit)"},
    {"api", "customs_key_file", KN_OPT_PATH, "", 0, 0, NULL, false,
     "the customs party's CURVE secret key: officers' inspection orders go to the broker as "
     "its CLM10021 (with [client] broker and server_public_key_file); empty = no orders"},
    {"api", "customs_code", KN_OPT_STRING, "3701", 0, 0, NULL, false,
     "customs office code written as SENDER and CUSTOMS_CODE of those orders"},
    {"callbacks", "listen", KN_OPT_STRING, "127.0.0.1:7791", 0, 0, NULL, false,
     "address and port kouan callbacks listens on (EMS pushes: POST /ems/push)"},
    {"certificate", "code_ttl_s", KN_OPT_INT, "86400", 60, 2592000, NULL, true,
     "how long a pickup code is valid"},
    {"certificate", "code_attempts", KN_OPT_INT, "5", 1, 100, NULL, true,
     "wrong codes accepted before the code is locked"},
    {"certificate", "code_key_file", KN_OPT_PATH, "certificate.key", 0, 0, NULL, true,
     "16 to 64 random bytes keying the pickup codes' HMAC (head -c 32 /dev/urandom), mode 0600"},
    {"certificate", "sender_name", KN_OPT_STRING, "海关签证窗口", 0, 0, NULL, true,
     "who mails the certificates (the EMS order's sender)"},
    {"certificate", "sender_mobile", KN_OPT_STRING, "05925000000", 0, 0, NULL, true,
     "the sender's telephone"},
    {"certificate", "sender_prov", KN_OPT_STRING, "福建省", 0, 0, NULL, true,
     "the sender's province"},
    {"certificate", "sender_city", KN_OPT_STRING, "厦门市", 0, 0, NULL, true, "the sender's city"},
    {"certificate", "sender_county", KN_OPT_STRING, "湖里区", 0, 0, NULL, true,
     "the sender's district"},
    {"certificate", "sender_address", KN_OPT_STRING, "海天码头查验服务中心", 0, 0, NULL, true,
     "the sender's street address"},
    {"sim", "terminal_key_file", KN_OPT_PATH, "terminal.key", 0, 0, NULL, false,
     "kouan sim run: the secret key it sends the terminal's messages with"},
    {"sim", "customs_key_file", KN_OPT_PATH, "customs.key", 0, 0, NULL, false,
     "kouan sim run: the secret key it sends the customs messages with"},
    {"sim", "tax_key_file", KN_OPT_PATH, "tax.key", 0, 0, NULL, false,
     "kouan sim run: the secret key it sends the tax messages with"},
    {"client", "broker", KN_OPT_STRING, "tcp://127.0.0.1:7710", 0, 0, NULL, false,
     "endpoint of the broker (kouan send, kouan recv)"},
    {"client", "server_public_key_file", KN_OPT_PATH, "broker.pub", 0, 0, NULL, false,
     "the broker's CURVE public key"},
    {"client", "secret_key_file", KN_OPT_PATH, "party.key", 0, 0, NULL, false,
     "this party's CURVE secret key, mode 0600"},
    {"client", "window", KN_OPT_INT, "64", 1, 10000, NULL, false, "messages in flight at once"},
    {"client", "resend_ms", KN_OPT_INT, "2000", 50, 600000, NULL, false,
     "resend a message not acknowledged within this time"},
    {"client", "timeout_s", KN_OPT_INT, "600", 0, 31536000, NULL, false,
     "give up on a message after this many seconds (0 = never)"},
    {S_PARTY_SECTION, "role", KN_OPT_ENUM, NULL, 0, 0, "terminal|customs|tax", true,
     "what the party is: decides the message kinds it may send"},
    {S_PARTY_SECTION, "format", KN_OPT_STRING, NULL, 0, 0, NULL, true,
     "the adapter that reads its messages (terminal: edifact; customs: customs-xml; tax: tax-xml)"},
    {S_PARTY_SECTION, "public_key_file", KN_OPT_PATH, NULL, 0, 0, NULL, true,
     "the party's CURVE public key (kouan keygen NAME)"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, false, NULL},
};

#define S_NOPTS (sizeof s_options / sizeof s_options[0] - 1)

typedef struct {
    char *text;   /* value as written (paths: resolved to absolute) */
    int64_t ival; /* KN_OPT_INT */
    bool bval;    /* KN_OPT_BOOL */
    bool set;     /* given in the file (for party options: required check) */
    int line;     /* where it was given, for messages */
} s_value_t;

typedef struct {
    kn_party_conf_t pub;       /* what callers see */
    s_value_t values[S_NOPTS]; /* only the party.* rows are used */
} s_party_t;

struct kn_config {
    s_value_t values[S_NOPTS]; /* singleton sections */
    s_party_t *parties;        /* in file order */
    size_t nparties;
    char *path;               /* file loaded */
    char *dir;                /* its directory, for relative paths */
    kn_config_check_fn check; /* extra value checks, may be NULL */
    /* parse state */
    int line;         /* line being read */
    int section_line; /* line of the last [section] header */
    int error_line;   /* line of the first error */
    char *error;      /* first error, "file:line: reason" */
};

const kn_option_t *kn_config_options(void)
{
    return s_options;
}

static int s_find(const char *section, const char *name)
{
    for (size_t i = 0; i < S_NOPTS; i++)
        if (strcmp(s_options[i].section, section) == 0 && strcmp(s_options[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool s_known_section(const char *section)
{
    for (size_t i = 0; i < S_NOPTS; i++)
        if (strcmp(s_options[i].section, section) == 0)
            return true;
    return false;
}

/* Parse text for option o into v; on error write the reason into why. */
static int s_parse_value(const kn_config_t *self, const kn_option_t *o, const char *text,
                         s_value_t *v, char *why, size_t whysize)
{
    char *copy = NULL;
    switch (o->type) {
    case KN_OPT_INT: {
        errno = 0;
        char *end;
        long long n = strtoll(text, &end, 10);
        if (errno || end == text || *end) {
            snprintf(why, whysize, "%s = \"%s\" is not a whole number", o->name, text);
            return -1;
        }
        if (n < o->min || n > o->max) {
            snprintf(why, whysize, "%s = %lld is out of range (%" PRId64 "..%" PRId64 ")", o->name,
                     n, o->min, o->max);
            return -1;
        }
        v->ival = n;
        copy = strdup(text);
        break;
    }
    case KN_OPT_BOOL:
        if (!strcmp(text, "on") || !strcmp(text, "true") || !strcmp(text, "yes") ||
            !strcmp(text, "1"))
            v->bval = true;
        else if (!strcmp(text, "off") || !strcmp(text, "false") || !strcmp(text, "no") ||
                 !strcmp(text, "0"))
            v->bval = false;
        else {
            snprintf(why, whysize, "%s = \"%s\" is not on or off", o->name, text);
            return -1;
        }
        copy = strdup(text);
        break;
    case KN_OPT_ENUM: {
        size_t len = strlen(text);
        const char *c = o->choices;
        bool ok = false;
        while (*c) {
            size_t clen = strcspn(c, "|");
            if (clen == len && !strncmp(c, text, len))
                ok = true;
            c += clen + (c[clen] == '|');
        }
        if (!ok) {
            snprintf(why, whysize, "%s = \"%s\" is not one of %s", o->name, text, o->choices);
            return -1;
        }
        copy = strdup(text);
        break;
    }
    case KN_OPT_PATH:
        if (text[0] && text[0] != '/' && self->dir) {
            size_t n = strlen(self->dir) + strlen(text) + 2;
            copy = malloc(n);
            if (copy)
                snprintf(copy, n, "%s/%s", self->dir, text);
        } else
            copy = strdup(text);
        break;
    case KN_OPT_STRING:
        copy = strdup(text);
        break;
    }
    if (!copy) {
        snprintf(why, whysize, "out of memory");
        return -1;
    }
    free(v->text);
    v->text = copy;
    v->set = true;
    return 0;
}

static void s_values_free(s_value_t *values)
{
    for (size_t i = 0; i < S_NOPTS; i++) {
        free(values[i].text);
        values[i].text = NULL;
    }
}

kn_config_t *kn_config_new(void)
{
    kn_config_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    char why[256];
    for (size_t i = 0; i < S_NOPTS; i++) {
        const kn_option_t *o = &s_options[i];
        if (!o->def)
            continue;
        if (s_parse_value(self, o, o->def, &self->values[i], why, sizeof why) != 0) {
            kn_config_destroy(&self);
            return NULL;
        }
        self->values[i].set = false;
    }
    return self;
}

void kn_config_destroy(kn_config_t **self)
{
    if (!self || !*self)
        return;
    kn_config_t *c = *self;
    s_values_free(c->values);
    for (size_t i = 0; i < c->nparties; i++) {
        s_values_free(c->parties[i].values);
        free((char *)c->parties[i].pub.name);
    }
    free(c->parties);
    free(c->path);
    free(c->dir);
    free(c->error);
    free(c);
    *self = NULL;
}

void kn_config_set_check(kn_config_t *self, kn_config_check_fn check)
{
    self->check = check;
}

static int s_fail(kn_config_t *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first error with file and line; returns 0 for inih ("error"). */
static int s_fail(kn_config_t *self, const char *fmt, ...)
{
    if (self->error)
        return 0;
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    size_t n = strlen(self->path) + strlen(why) + 32;
    self->error = malloc(n);
    if (self->error)
        snprintf(self->error, n, "%s:%d: %s", self->path, self->line, why);
    self->error_line = self->line;
    return 0;
}

static s_party_t *s_party(kn_config_t *self, const char *name)
{
    for (size_t i = 0; i < self->nparties; i++)
        if (!strcmp(self->parties[i].pub.name, name))
            return &self->parties[i];
    if (self->nparties >= S_MAX_PARTIES)
        return NULL;
    s_party_t *p = realloc(self->parties, (self->nparties + 1) * sizeof *p);
    if (!p)
        return NULL;
    self->parties = p;
    p = &self->parties[self->nparties];
    memset(p, 0, sizeof *p);
    p->pub.name = strdup(name);
    if (!p->pub.name)
        return NULL;
    p->pub.line = self->section_line;
    self->nparties++;
    return p;
}

static bool s_valid_party_name(const char *name)
{
    if (!*name || strlen(name) > 64)
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
            return false;
    return true;
}

static int s_handler(void *user, const char *section, const char *name, const char *value)
{
    kn_config_t *self = user;
    char why[512];
    if (!strncmp(section, S_PARTY_PREFIX, strlen(S_PARTY_PREFIX))) {
        const char *pname = section + strlen(S_PARTY_PREFIX);
        if (!s_valid_party_name(pname))
            return s_fail(self, "[%s]: a party name is 1 to 64 of a-z 0-9 - _", section);
        int i = s_find(S_PARTY_SECTION, name);
        if (i < 0)
            return s_fail(self, "unknown option \"%s\" in [%s]", name, section);
        s_party_t *p = s_party(self, pname);
        if (!p)
            return s_fail(self, "too many parties (at most %d)", S_MAX_PARTIES);
        if (p->values[i].set)
            return s_fail(self, "%s is given twice in [%s]", name, section);
        if (s_parse_value(self, &s_options[i], value, &p->values[i], why, sizeof why))
            return s_fail(self, "%s", why);
        p->values[i].line = self->line;
        return 1;
    }
    if (!*section)
        return s_fail(self, "option \"%s\" is outside any [section]", name);
    if (!s_known_section(section))
        return s_fail(self, "unknown section [%s]", section);
    int i = s_find(section, name);
    if (i < 0)
        return s_fail(self, "unknown option \"%s\" in [%s]", name, section);
    if (self->values[i].set)
        return s_fail(self, "%s is given twice in [%s]", name, section);
    if (s_parse_value(self, &s_options[i], value, &self->values[i], why, sizeof why))
        return s_fail(self, "%s", why);
    self->values[i].line = self->line;
    return 1;
}

/* inih reads through this so the handler knows the line it is on. */
static char *s_reader(char *str, int num, void *stream)
{
    kn_config_t *self = ((void **)stream)[0];
    FILE *f = ((void **)stream)[1];
    char *r = fgets(str, num, f);
    if (r) {
        self->line++;
        size_t len = strlen(r);
        if (len == (size_t)num - 1 && r[len - 1] != '\n' && !feof(f)) {
            /* libinih would read the rest as another line: say so here and
             * give it an empty line instead */
            s_fail(self, "line is longer than %d characters", num - 2);
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            snprintf(str, (size_t)num, "\n");
            return str;
        }
        const char *c = r + strspn(r, " \t");
        if (*c == '[')
            self->section_line = self->line;
    }
    return r;
}

/* After the file: the checker on every value given, each party complete, keys
 * readable, keys distinct. */
static void s_check_parties(kn_config_t *self)
{
    char why[512];
    for (size_t i = 0; i < S_NOPTS && self->check; i++) {
        const s_value_t *v = &self->values[i];
        if (!v->set)
            continue;
        self->line = v->line;
        if (self->check(s_options[i].section, s_options[i].name, v->text, NULL, why, sizeof why)) {
            s_fail(self, "%s", why);
            return;
        }
    }
    for (size_t p = 0; p < self->nparties && !self->error; p++) {
        s_party_t *party = &self->parties[p];
        self->line = party->pub.line;
        for (size_t i = 0; i < S_NOPTS; i++) {
            if (strcmp(s_options[i].section, S_PARTY_SECTION) != 0)
                continue;
            if (!party->values[i].set) {
                s_fail(self, "[party.%s] needs %s", party->pub.name, s_options[i].name);
                return;
            }
        }
        const char *role = party->values[s_find(S_PARTY_SECTION, "role")].text;
        for (size_t i = 0; i < S_NOPTS && self->check; i++) {
            if (strcmp(s_options[i].section, S_PARTY_SECTION) != 0)
                continue;
            self->line = party->values[i].line;
            if (self->check(S_PARTY_SECTION, s_options[i].name, party->values[i].text, role, why,
                            sizeof why)) {
                s_fail(self, "[party.%s]: %s", party->pub.name, why);
                return;
            }
        }
        self->line = party->values[s_find(S_PARTY_SECTION, "public_key_file")].line;
        party->pub.role = kn_role_parse(party->values[s_find(S_PARTY_SECTION, "role")].text);
        party->pub.format = party->values[s_find(S_PARTY_SECTION, "format")].text;
        party->pub.public_key_file = party->values[s_find(S_PARTY_SECTION, "public_key_file")].text;
        if (kn_keys_read_public(party->pub.public_key_file, party->pub.public_key, NULL, why,
                                sizeof why)) {
            s_fail(self, "[party.%s]: %s", party->pub.name, why);
            return;
        }
        for (size_t q = 0; q < p; q++)
            if (!memcmp(self->parties[q].pub.public_key, party->pub.public_key, 32)) {
                s_fail(self, "[party.%s] has the same public key as [party.%s]", party->pub.name,
                       self->parties[q].pub.name);
                return;
            }
    }
}

int kn_config_load(kn_config_t *self, const char *path, char *errbuf, size_t errsize)
{
    int rc = KN_ECONFIG;
    FILE *f = NULL;
    free(self->path);
    free(self->dir);
    self->path = strdup(path);
    char *tmp = strdup(path);
    char *abs = tmp ? realpath(dirname(tmp), NULL) : NULL;
    free(tmp);
    self->dir = abs;
    if (!self->path || !self->dir) {
        snprintf(errbuf, errsize, "%s: %s", path, strerror(errno ? errno : ENOMEM));
        goto out;
    }
    f = fopen(path, "r");
    if (!f) {
        snprintf(errbuf, errsize, "%s: %s", path, strerror(errno));
        goto out;
    }
    self->line = 0;
    void *stream[2] = {self, f};
    int line = ini_parse_stream(s_reader, stream, s_handler, self);
    if (line > 0 && (!self->error || line < self->error_line)) {
        /* inih's own complaint comes first in the file: it is the one to fix */
        free(self->error);
        self->error = NULL;
        self->line = line;
        s_fail(self, "syntax error (or a line longer than %d characters)", INI_MAX_LINE);
    }
    if (line < 0)
        s_fail(self, "cannot read the file");
    /* Defaults that are paths are taken from the file's directory too. */
    for (size_t i = 0; i < S_NOPTS && !self->error; i++) {
        const kn_option_t *o = &s_options[i];
        if (o->type != KN_OPT_PATH || !o->def || self->values[i].set ||
            strcmp(o->section, S_PARTY_SECTION) == 0)
            continue;
        char why[256];
        if (s_parse_value(self, o, o->def, &self->values[i], why, sizeof why) == 0)
            self->values[i].set = false;
    }
    if (!self->error)
        s_check_parties(self);
    if (self->error) {
        snprintf(errbuf, errsize, "%s", self->error);
        goto out;
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    return rc;
}

const char *kn_config_path(const kn_config_t *self)
{
    return self->path;
}

static const s_value_t *s_get(const kn_config_t *self, const char *section, const char *name,
                              kn_opt_type_t type)
{
    int i = s_find(section, name);
    assert(i >= 0 && "option not in the table");
    assert((s_options[i].type == type ||
            (type == KN_OPT_STRING &&
             (s_options[i].type == KN_OPT_PATH || s_options[i].type == KN_OPT_ENUM))) &&
           "option read with the wrong type");
    (void)type;
    return &self->values[i];
}

const char *kn_config_str(const kn_config_t *self, const char *section, const char *name)
{
    const char *t = s_get(self, section, name, KN_OPT_STRING)->text;
    return t ? t : "";
}

int64_t kn_config_int(const kn_config_t *self, const char *section, const char *name)
{
    return s_get(self, section, name, KN_OPT_INT)->ival;
}

bool kn_config_bool(const kn_config_t *self, const char *section, const char *name)
{
    return s_get(self, section, name, KN_OPT_BOOL)->bval;
}

int kn_config_set(kn_config_t *self, const char *section, const char *name, const char *value,
                  char *errbuf, size_t errsize)
{
    int i = s_find(section, name);
    if (i < 0) {
        snprintf(errbuf, errsize, "unknown option %s.%s", section, name);
        return KN_ECONFIG;
    }
    char why[512];
    /* A value from the command line: a relative path is the caller's, taken
     * from the working directory, not the file's. */
    char *dir = self->dir;
    char cwd[4096];
    self->dir = getcwd(cwd, sizeof cwd) ? cwd : NULL;
    int rc = s_parse_value(self, &s_options[i], value, &self->values[i], why, sizeof why);
    self->dir = dir;
    if (rc) {
        snprintf(errbuf, errsize, "%s", why);
        return KN_ECONFIG;
    }
    return 0;
}

size_t kn_config_party_count(const kn_config_t *self)
{
    return self->nparties;
}

const kn_party_conf_t *kn_config_party(const kn_config_t *self, size_t i)
{
    assert(i < self->nparties);
    return &self->parties[i].pub;
}

const kn_party_conf_t *kn_config_party_by_key(const kn_config_t *self, const uint8_t key[32])
{
    for (size_t i = 0; i < self->nparties; i++)
        if (!memcmp(self->parties[i].pub.public_key, key, 32))
            return &self->parties[i].pub;
    return NULL;
}

const char *kn_config_restart_needed(const kn_config_t *a, const kn_config_t *b, char *buf,
                                     size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < S_NOPTS; i++) {
        const kn_option_t *o = &s_options[i];
        if (o->reloadable || !strcmp(o->section, S_PARTY_SECTION))
            continue;
        const char *x = a->values[i].text ? a->values[i].text : "";
        const char *y = b->values[i].text ? b->values[i].text : "";
        if (!strcmp(x, y))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s.%s", used ? ", " : "", o->section, o->name);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

void kn_config_write_sample(FILE *out)
{
    fprintf(out, "# kouan configuration: every option at its default.\n"
                 "# Relative paths are taken from the directory of this file.\n"
                 "# (reload) marks options a SIGHUP applies without a restart.\n");
    const char *section = "";
    for (size_t i = 0; i < S_NOPTS; i++) {
        const kn_option_t *o = &s_options[i];
        bool party = !strcmp(o->section, S_PARTY_SECTION);
        if (strcmp(section, o->section) != 0) {
            section = o->section;
            if (party)
                fprintf(out, "\n# One section per party, named by the party:\n#[party.NAME]\n");
            else
                fprintf(out, "\n[%s]\n", section);
        }
        fprintf(out, "%s# %s%s\n", "", o->help, o->reloadable ? " (reload)" : "");
        if (o->type == KN_OPT_INT)
            fprintf(out, "%s#   range %" PRId64 "..%" PRId64 "\n", "", o->min, o->max);
        if (o->type == KN_OPT_ENUM)
            fprintf(out, "#   one of %s\n", o->choices);
        if (party)
            fprintf(out, "#%s = \n", o->name);
        else
            fprintf(out, "%s = %s\n", o->name, o->def);
    }
}
