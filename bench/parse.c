/* kn_bench_parse — reader throughput: EDIFACT and XML, figures only.
 *
 * For each party reader (terminal EDIFACT, customs XML, tax XML) and each input
 * — the shared sample files and three generated large messages (a COARRI
 * discharge report, a CLM10041 discharge instruction, a TaxPayment message, N
 * containers or payments each) — it reads the message the way the broker does
 * (kn_adapter_find, kn_adapter_read through the kn_inmsg_t / kn_read_fn
 * interface) with the arena reset after every message, for about SECONDS (and
 * at most S_MAX_ITERS messages), and right after it times a reference on the
 * same bytes: for XML libxml2's bare xmlReadMemory + xmlFreeDoc (with the safe
 * loader's parse options), for EDIFACT a memchr scan counting segment
 * terminators (the floor).  ROUNDS rounds; the table shows medians and the
 * ratio reader / reference throughput.  MB is 10^6 bytes.
 *
 * Every input is read once before timing; one the reader refuses, or a
 * generated one whose events are not what was generated, stops the bench
 * (a figure for an error path would say nothing).
 * usage: kn_bench_parse [-n CONTAINERS] [-r ROUNDS] [-t SECONDS] [SAMPLES_DIR]
 */
#include "adapter.h"
#include "customs.h"
#include "event.h"
#include "tax.h"
#include "terminal.h"
#include "xmlsafe.h"

#include <libxml/parser.h>

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef KN_SAMPLES_DIR
#define KN_SAMPLES_DIR "../shared/samples"
#endif

#define S_MAX_ROUNDS 15
#define S_MAX_ITERS 2000000L            /* per measurement, whatever the time */
#define S_MAX_FILE (4u * 1024u * 1024u) /* a sample larger than this is not one */
#define S_MAX_INPUTS 64
#define S_MAX_GENERATED 1000 /* TaxPayment allows 1000 Payments */

/* The safe loader's options (adapters/xmlsafe.c), silenced. */
#define S_XML_OPTIONS                                                                              \
    (XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_COMPACT | XML_PARSE_NOERROR |               \
     XML_PARSE_NOWARNING)

/* A party reader under test. */
typedef struct {
    const char *title;        /* table heading */
    const char *dir;          /* its sample subdirectory */
    const char *suffix;       /* sample file name ending */
    kn_role_t role;           /* configured role */
    const char *format;       /* configured format */
    const char *content_type; /* as sent on the wire */
    const char *party;        /* a party of that role */
    kn_read_fn expect;        /* what kn_adapter_find must give */
    bool xml;                 /* reference: libxml2 (else the memchr scan) */
} s_kind_t;

static const s_kind_t s_kinds[] = {
    {"terminal EDIFACT, kn_terminal_read", "terminal", ".edi", KN_ROLE_TERMINAL, "edifact",
     "application/edifact", "xhct", kn_terminal_read, false},
    {"customs XML, kn_customs_read", "customs", ".xml", KN_ROLE_CUSTOMS, "customs-xml",
     "application/xml", "customs-3701", kn_customs_read, true},
    {"tax XML, kn_tax_read", "tax", ".xml", KN_ROLE_TAX, "tax-xml", "application/xml", "xmtax",
     kn_tax_read, true},
};
#define S_NKINDS (sizeof s_kinds / sizeof s_kinds[0])

/* One input message and its figures per round. */
typedef struct {
    const s_kind_t *kind;
    char label[96];
    unsigned char *data;
    size_t len;
    size_t expect_events; /* generated: what must come out; 0 = not checked */
    size_t events;        /* events per read */
    double mbps[S_MAX_ROUNDS], evps[S_MAX_ROUNDS], ref_mbps[S_MAX_ROUNDS];
} s_input_t;

/* A growing text buffer for the generated messages. */
typedef struct {
    char *data;
    size_t len, size;
} s_buf_t;

static volatile size_t s_sink; /* keeps the reference scan from being optimised away */

static int64_t s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void s_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void s_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kn_bench_parse: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void s_put(s_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_put(s_buf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->data ? b->data + b->len : NULL, b->size - b->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            s_die("formatting failed");
        if ((size_t)n < b->size - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t size = b->size ? b->size * 2 : 65536;
        while (size - b->len <= (size_t)n)
            size *= 2;
        char *p = realloc(b->data, size);
        if (!p)
            s_die("out of memory");
        b->data = p;
        b->size = size;
    }
}

/* Container number i: owner code, serial, ISO 6346 check digit. */
static void s_container(char out[12], int i)
{
    static const char *const owners[] = {"COSU", "CSNU", "OOLU", "TGHU", "MSCU", "CBHU"};
    snprintf(out, 12, "%s%06d", owners[i % 6], 610000 + i * 37 % 390000);
    int d = kn_iso6346_check_digit(out);
    if (d < 0)
        s_die("container number %s is malformed", out);
    out[10] = (char)('0' + d);
    out[11] = '\0';
}

/* A COARRI discharge report (D.95B, ITG13) for one vessel call with n boxes:
 * EQD, RFF+BM, DTM+203, LOC+147, MEA+AAE+G, SEL and, for every tenth box
 * (a reefer), TMP+2 per group, as the sample is. */
static s_buf_t s_gen_coarri(int n)
{
    s_buf_t b = {0};
    int segments = 0;
    s_put(&b, "UNA:+.? '\nUNB+UNOA:2+XHCT+KOUAN+261122:0815+XHCT009001'\n");
    s_put(&b, "UNH+1+COARRI:D:95B:UN:ITG13'\nBGM+44+XHCT-DIS-9001+9'\n"
              "TDT+20+118E+1++COS:172:20+++9812345:146::COSCO XIAMEN'\n"
              "LOC+11+CNXMN:139:6+XHCT:TER:ZZZ'\nDTM+178:202611220600:203'\n"
              "NAD+CF+COS:172:20'\n");
    segments += 6;
    for (int i = 0; i < n; i++) {
        char box[12];
        s_container(box, i);
        bool reefer = i % 10 == 9;
        int minute = 8 * 60 + i % 900; /* stays within the day */
        s_put(&b,
              "EQD+CN+%s+%s:102:5++3+5'\nRFF+BM:COSU88%08d'\nDTM+203:20261122%02d%02d:203'\n"
              "LOC+147+0%02d%02d%02d::5'\nMEA+AAE+G+KGM:%d'\nSEL+CN26%05d+CU'\n",
              box,
              reefer  ? "45R1"
              : i % 3 ? "45G1"
                      : "22G1",
              1234500 + i / 2, minute / 60, minute % 60, 1 + 2 * (i / 60 % 40), 1 + i / 6 % 10,
              82 + 2 * (i % 6), 12000 + i * 7919 % 18000, 11000 + i);
        segments += 6;
        if (reefer) {
            s_put(&b, "TMP+2+-18.0:CEL'\n");
            segments++;
        }
    }
    segments += 2; /* CNT, UNT */
    s_put(&b, "CNT+16:%d'\nUNT+%d+1'\nUNZ+1+XHCT009001'\n", n, segments);
    return b;
}

/* A CLM10041 discharge instruction: n BILL_INFOs, each with its CONTAINER_INFO,
 * laid out as customs sends them (the sample's indentation). */
static s_buf_t s_gen_clm10041(int n)
{
    s_buf_t b = {0};
    s_put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MESSAGE>\n  <MESSAGE_HEAD>\n"
              "    <MESSAGE_ID>37012611220001009041</MESSAGE_ID>\n"
              "    <FUNCTION_CODE>2</FUNCTION_CODE>\n    <MESSAGE_TYPE>CLM10041</MESSAGE_TYPE>\n"
              "    <SENDER>3701</SENDER>\n    <RECEIVER>XHCT</RECEIVER>\n"
              "    <MESSAGE_CREATE_TIME>2026-11-22 03:10:00</MESSAGE_CREATE_TIME>\n"
              "    <VERSION>1.0</VERSION>\n  </MESSAGE_HEAD>\n  <MESSAGE_LIST>\n");
    for (int i = 0; i < n; i++) {
        char box[12];
        s_container(box, i);
        s_put(&b,
              "    <BILL_INFO>\n      <CUSTOMS_CODE>3701</CUSTOMS_CODE>\n"
              "      <I_E_FLAG>I</I_E_FLAG>\n      <SHIP_NAME_EN>COSCO XIAMEN</SHIP_NAME_EN>\n"
              "      <VOYAGE_NO>118E</VOYAGE_NO>\n      <BILL_NO>COSU88%08d</BILL_NO>\n"
              "      <NOTE></NOTE>\n      <CONTAINER_INFO>\n        <CONTA_NO>%s</CONTA_NO>\n"
              "        <CONTA_MODEL>%s</CONTA_MODEL>\n        <CONTA_SIZE>%s</CONTA_SIZE>\n"
              "        <SEAL_NO>CN26%05d</SEAL_NO>\n      </CONTAINER_INFO>\n    </BILL_INFO>\n",
              1234500 + i, box, i % 17 == 16 ? "E" : "F",
              i % 10 == 9  ? "45R1"
              : i % 3 != 0 ? "45G1"
                           : "22G1",
              11000 + i);
    }
    s_put(&b, "  </MESSAGE_LIST>\n</MESSAGE>\n");
    return b;
}

/* A TaxPayment DUTY_PAID message with n Payments (one per declaration). */
static s_buf_t s_gen_taxpayment(int n)
{
    s_buf_t b = {0};
    s_put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TaxPayment>\n  <Head>\n"
              "    <MessageID>TAX-3502-20261122-009318</MessageID>\n"
              "    <MessageType>DUTY_PAID</MessageType>\n    <SenderID>XMTAX</SenderID>\n"
              "    <SendTime>2026-11-22T04:55:12+08:00</SendTime>\n  </Head>\n");
    for (int i = 0; i < n; i++) {
        int second = i % 3600;
        s_put(&b,
              "  <Payment>\n    <EntryID>3701202610%08d</EntryID>\n"
              "    <BillNo>COSU88%08d</BillNo>\n    <Status>PAID</Status>\n"
              "    <Amount currency=\"CNY\">%d.%02d</Amount>\n"
              "    <PaidAt>2026-11-22T03:%02d:%02d+08:00</PaidAt>\n  </Payment>\n",
              123456 + i, 1234500 + i, 1000 + i * 7919 % 90000, i * 37 % 100, second / 60,
              second % 60);
    }
    s_put(&b, "</TaxPayment>\n");
    return b;
}

/* Read every regular file of dir ending in suffix, in name order, into inputs. */
static void s_load_samples(const char *root, const s_kind_t *kind, s_input_t *inputs, int *count)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", root, kind->dir);
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0)
        s_die("cannot read %s", dir);
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        size_t nl = strlen(name), sl = strlen(kind->suffix);
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        struct stat st;
        if (nl <= sl || strcmp(name + nl - sl, kind->suffix) != 0 || stat(path, &st) != 0 ||
            !S_ISREG(st.st_mode))
            goto next;
        if (*count >= S_MAX_INPUTS)
            s_die("more than %d inputs", S_MAX_INPUTS);
        if (st.st_size <= 0 || (uintmax_t)st.st_size > S_MAX_FILE)
            s_die("%s: %jd bytes, not a sample message", path, (intmax_t)st.st_size);
        s_input_t *in = &inputs[(*count)++];
        in->kind = kind;
        in->len = (size_t)st.st_size;
        in->data = malloc(in->len);
        FILE *f = fopen(path, "rb");
        if (!in->data || !f || fread(in->data, 1, in->len, f) != in->len)
            s_die("cannot read %s", path);
        fclose(f);
        snprintf(in->label, sizeof in->label, "%s", name);
    next:
        free(names[i]);
    }
    free(names);
}

static void s_add_generated(s_input_t *inputs, int *count, const s_kind_t *kind, s_buf_t b,
                            size_t events, const char *label)
{
    if (*count >= S_MAX_INPUTS)
        s_die("more than %d inputs", S_MAX_INPUTS);
    s_input_t *in = &inputs[(*count)++];
    in->kind = kind;
    in->data = (unsigned char *)b.data;
    in->len = b.len;
    in->expect_events = events;
    snprintf(in->label, sizeof in->label, "%s", label);
}

/* Read in once through the broker's path; returns the event count. */
static int s_read(const kn_reader_t *reader, const s_input_t *in, kn_arena_t *arena,
                  kn_event_list_t *events, kn_error_t *err)
{
    kn_inmsg_t msg = {in->kind->party,        in->kind->role, in->kind->format,
                      in->kind->content_type, in->data,       in->len};
    *events = (kn_event_list_t){0};
    return kn_adapter_read(reader, &msg, arena, events, err);
}

/* Memchr scan for the segment terminator: the floor for any EDIFACT reader. */
static size_t s_scan_segments(const unsigned char *data, size_t len)
{
    size_t segments = 0;
    const unsigned char *p = data, *end = data + len;
    while (p < end && (p = memchr(p, '\'', (size_t)(end - p))) != NULL) {
        segments++;
        p++;
    }
    return segments;
}

static int s_reference_once(const s_input_t *in)
{
    if (!in->kind->xml) {
        s_sink += s_scan_segments(in->data, in->len);
        return 0;
    }
    xmlDoc *doc = xmlReadMemory((const char *)in->data, (int)in->len, NULL, NULL, S_XML_OPTIONS);
    if (!doc)
        return -1;
    xmlFreeDoc(doc);
    return 0;
}

/* Run one measurement for about seconds (at most S_MAX_ITERS messages), checking
 * the clock in batches that grow while they are short; returns messages per
 * second.  reader NULL: the reference. */
static double s_measure(const kn_reader_t *reader, const s_input_t *in, kn_arena_t *arena,
                        double seconds)
{
    int64_t start = s_now_ns(), limit = (int64_t)(seconds * 1e9), elapsed = 0;
    long iters = 0, batch = 1;
    kn_event_list_t events;
    kn_error_t err;
    while (elapsed < limit && iters < S_MAX_ITERS) {
        for (long k = 0; k < batch; k++) {
            if (reader) {
                if (s_read(reader, in, arena, &events, &err) != 0)
                    s_die("%s: refused while timing: %s", in->label, err.message);
                kn_arena_reset(arena);
            } else if (s_reference_once(in) != 0) {
                s_die("%s: libxml2 refused it while timing", in->label);
            }
        }
        iters += batch;
        int64_t now = s_now_ns(), took = now - start - elapsed;
        elapsed = now - start;
        if (took < limit / 200 && batch < 65536)
            batch *= 2;
        if (iters + batch > S_MAX_ITERS)
            batch = S_MAX_ITERS - iters;
    }
    return (double)iters / ((double)elapsed / 1e9);
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double s_median(const double *v, int n)
{
    double tmp[S_MAX_ROUNDS];
    memcpy(tmp, v, (size_t)n * sizeof *v);
    qsort(tmp, (size_t)n, sizeof *tmp, s_cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    int containers = 200, rounds = 5, opt;
    double seconds = 1.0;
    while ((opt = getopt(argc, argv, "n:r:t:")) != -1) {
        if (opt == 'n')
            containers = atoi(optarg);
        else if (opt == 'r')
            rounds = atoi(optarg);
        else if (opt == 't')
            seconds = atof(optarg);
        else
            goto usage;
    }
    if (argc - optind > 1 || containers < 1 || containers > S_MAX_GENERATED || rounds < 1 ||
        rounds > S_MAX_ROUNDS || !(seconds > 0 && seconds <= 60))
        goto usage;
    const char *samples = optind < argc ? argv[optind] : KN_SAMPLES_DIR;

    kn_xmlsafe_init();
    static s_input_t inputs[S_MAX_INPUTS];
    int count = 0;
    char label[96];
    for (size_t k = 0; k < S_NKINDS; k++) {
        s_load_samples(samples, &s_kinds[k], inputs, &count);
        if (k == 0) {
            snprintf(label, sizeof label, "COARRI discharge, %d EQD (generated)", containers);
            s_add_generated(inputs, &count, &s_kinds[k], s_gen_coarri(containers),
                            (size_t)containers, label);
        } else if (k == 1) {
            snprintf(label, sizeof label, "CLM10041, %d BILL_INFO (generated)", containers);
            s_add_generated(inputs, &count, &s_kinds[k], s_gen_clm10041(containers),
                            (size_t)containers, label);
        } else {
            snprintf(label, sizeof label, "TaxPayment, %d Payment (generated)", containers);
            s_add_generated(inputs, &count, &s_kinds[k], s_gen_taxpayment(containers),
                            (size_t)containers, label);
        }
    }

    kn_arena_t *arena = kn_arena_new(1 << 20); /* as the broker's */
    if (!arena)
        s_die("out of memory");
    const kn_reader_t *readers[S_MAX_INPUTS];
    for (int i = 0; i < count; i++) {
        s_input_t *in = &inputs[i];
        const kn_reader_t *r = kn_adapter_find(in->kind->role, in->kind->format);
        if (!r || r->read != in->kind->expect)
            s_die("no reader %s for role %s", in->kind->format, kn_role_name(in->kind->role));
        readers[i] = r;
        kn_event_list_t events;
        kn_error_t err;
        if (s_read(r, in, arena, &events, &err) != 0)
            s_die("%s: refused: %s%s%s", in->label, err.position, err.position[0] ? ": " : "",
                  err.message);
        in->events = events.count;
        if (in->expect_events) {
            if (events.count != in->expect_events)
                s_die("%s: %zu events, generated %zu", in->label, events.count, in->expect_events);
            for (const kn_event_t *ev = events.head; ev; ev = ev->next)
                if (ev->warnings)
                    s_die("%s: %s: warning %s: %s", in->label, ev->position, ev->warnings->code,
                          ev->warnings->text);
        }
        kn_arena_reset(arena);
        if (s_reference_once(in) != 0)
            s_die("%s: libxml2 cannot parse it", in->label);
    }

    /* Rounds outermost, reader then reference for each input: a slow spell of
     * the shared machine hits both sides of a ratio alike. */
    for (int round = 0; round < rounds; round++) {
        fprintf(stderr, "round %d/%d ...\n", round + 1, rounds);
        for (int i = 0; i < count; i++) {
            s_input_t *in = &inputs[i];
            double rate = s_measure(readers[i], in, arena, seconds);
            in->mbps[round] = rate * (double)in->len / 1e6;
            in->evps[round] = rate * (double)in->events;
            in->ref_mbps[round] = s_measure(NULL, in, arena, seconds) * (double)in->len / 1e6;
        }
    }

    char date[16];
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof date, "%Y-%m-%d", gmtime_r(&now, &tm));
    printf("\nbench/parse: one message per read, arena reset per message; medians of %d rounds, "
           "~%.1f s per figure (%s, %ld cores)\n",
           rounds, seconds, date, sysconf(_SC_NPROCESSORS_ONLN));
    printf("reference: EDIFACT memchr scan for segment terminators; XML libxml2 "
           "xmlReadMemory+xmlFreeDoc.  ratio = reader / reference MB/s\n");
    printf("%-44s %8s %7s %10s %12s %12s %7s\n", "", "bytes", "events", "MB/s", "events/s",
           "ref MB/s", "ratio");
    const s_kind_t *last = NULL;
    for (int i = 0; i < count; i++) {
        const s_input_t *in = &inputs[i];
        if (in->kind != last)
            printf("%s\n", in->kind->title);
        last = in->kind;
        double mbps = s_median(in->mbps, rounds), evps = s_median(in->evps, rounds),
               ref = s_median(in->ref_mbps, rounds);
        printf("  %-42s %8zu %7zu %10.2f %12.0f %12.2f %7.3f\n", in->label, in->len, in->events,
               mbps, evps, ref, ref > 0 ? mbps / ref : 0);
    }

    for (int i = 0; i < count; i++)
        free(inputs[i].data);
    kn_arena_destroy(&arena);
    kn_xmlsafe_cleanup();
    (void)s_sink;
    return 0;
usage:
    fprintf(stderr,
            "usage: kn_bench_parse [-n CONTAINERS (1..%d)] [-r ROUNDS (1..%d)] "
            "[-t SECONDS] [SAMPLES_DIR]\n",
            S_MAX_GENERATED, S_MAX_ROUNDS);
    return 2;
}
