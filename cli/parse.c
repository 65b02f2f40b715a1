/* kouan parse — what a party's file yields, without a broker: one JSON object
 * per event (DCSA field names, with a warnings array), or the error with its
 * position and a non-zero exit.  For whoever onboards a new party. */
#include "adapter.h"
#include "cli.h"
#include "eventjson.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_FILE (64 * 1024 * 1024)

static int s_usage(FILE *out)
{
    fprintf(out, "usage: kouan parse --role terminal|customs|tax [--format FORMAT] FILE...\n"
                 "  prints one JSON object per event the file gives (DCSA Track & Trace field\n"
                 "  names and a warnings array), or the error with its position; exit 1 when\n"
                 "  a file is refused.  FORMAT defaults to the role's first: edifact,\n"
                 "  customs-xml, tax-xml (terminal also reads vessel-xml).\n");
    return out == stdout ? KN_EXIT_OK : KN_EXIT_USAGE;
}

/* The file's bytes (caller frees), or NULL with errno set. */
static unsigned char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(S_MAX_FILE + 1);
    size_t n = buf ? fread(buf, 1, S_MAX_FILE + 1, f) : 0;
    int err = ferror(f) ? EIO : n > S_MAX_FILE ? EFBIG : 0;
    fclose(f);
    if (!buf || err) {
        free(buf);
        errno = buf ? err : ENOMEM;
        return NULL;
    }
    *len = n;
    return buf;
}

/* The content type a reader of this format takes first. */
static const char *s_content_type(const kn_reader_t *r)
{
    return r->content_types[0];
}

int kn_cmd_parse(int argc, char **argv)
{
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *role_name = NULL, *format = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "r:f:h", opts, NULL)) != -1) {
        if (c == 'r')
            role_name = optarg;
        else if (c == 'f')
            format = optarg;
        else
            return s_usage(c == 'h' ? stdout : stderr);
    }
    if (!role_name || optind >= argc)
        return s_usage(stderr);
    kn_role_t role = kn_role_parse(role_name);
    if (role == KN_ROLE_NONE) {
        fprintf(stderr, "kouan parse: unknown role \"%s\" (terminal, customs or tax)\n", role_name);
        return KN_EXIT_USAGE;
    }
    if (!format)
        format = role == KN_ROLE_TERMINAL  ? "edifact"
                 : role == KN_ROLE_CUSTOMS ? "customs-xml"
                                           : "tax-xml";
    const kn_reader_t *reader = kn_adapter_find(role, format);
    if (!reader) {
        char formats[256];
        fprintf(stderr, "kouan parse: no reader for format %s of a %s party (formats: %s)\n",
                format, role_name, kn_adapter_formats(role, formats, sizeof formats));
        return KN_EXIT_USAGE;
    }
    kn_arena_t *arena = kn_arena_new(1 << 20);
    if (!arena)
        return KN_EXIT_FAILED;
    int rc = KN_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        size_t len = 0;
        unsigned char *data = s_slurp(argv[i], &len);
        if (!data) {
            fprintf(stderr, "kouan parse: %s: %s\n", argv[i], strerror(errno));
            rc = KN_EXIT_FAILED;
            continue;
        }
        kn_inmsg_t in = {"parse", role, format, s_content_type(reader), data, len};
        kn_event_list_t events = {0};
        kn_error_t err;
        if (kn_adapter_read(reader, &in, arena, &events, &err) != 0) {
            char text[1024];
            fprintf(stderr, "%s: %s: %s\n", argv[i], kn_err_name(err.code),
                    kn_error_text(&err, text, sizeof text));
            rc = KN_EXIT_REFUSED;
        } else
            for (const kn_event_t *ev = events.head; ev; ev = ev->next) {
                const char *json = kn_event_json(ev, arena);
                printf("%s\n", json ? json : "{}");
            }
        free(data);
        kn_arena_reset(arena);
    }
    kn_arena_destroy(&arena);
    return rc;
}
