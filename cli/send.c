/* kouan send — the party's client for files and spool directories.
 *
 * Every file is one message.  Its id is derived from its content (SHA-256), so
 * sending the same file again — after a crash of this client, say — is the same
 * message to the broker, which acknowledges it again and applies it once.  A
 * message is resent until the broker answers ACK or NACK (or the timeout
 * gives up on it); then the file moves to done/ or failed/ beside it, with a
 * .reason file for a refusal.
 */
#include "cli.h"
#include "clock.h"
#include "client.h"
#include "err.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_MAX_FILE (64 * 1024 * 1024)

typedef enum { S_PENDING = 0, S_IN_FLIGHT, S_ACCEPTED, S_REFUSED, S_GAVE_UP } s_state_t;

typedef struct {
    char *path;          /* as found */
    char id[65];         /* content hash, hex */
    const char *ctype;   /* content type */
    unsigned char *data; /* loaded while in flight */
    size_t len;
    s_state_t state;
    int64_t first_sent, last_sent; /* monotonic ms */
    int tries;
    char *code, *reason; /* broker's answer */
    int events;
} s_file_t;

typedef struct {
    s_file_t *files;
    size_t n, cap;
    size_t *flight; /* indexes of the files in flight */
    size_t nflight;
    const char *ctype_override;
    bool keep; /* leave files where they are */
    bool quiet;
} s_send_t;

static volatile sig_atomic_t s_interrupted;

static void s_on_signal(int sig)
{
    (void)sig;
    s_interrupted = 1;
}

static const char *s_content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return NULL;
    if (!strcasecmp(dot, ".edi") || !strcasecmp(dot, ".edifact") || !strcasecmp(dot, ".edf"))
        return "application/edifact";
    if (!strcasecmp(dot, ".xml"))
        return "application/xml";
    return NULL;
}

static int s_add(s_send_t *s, const char *path)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        s_file_t *f = realloc(s->files, cap * sizeof *f);
        if (!f)
            return KN_ENOMEM;
        s->files = f;
        s->cap = cap;
    }
    s_file_t *f = &s->files[s->n];
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    if (!f->path)
        return KN_ENOMEM;
    s->n++;
    return 0;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of a spool directory, in name order; .reason files and
 * hidden files are not messages. */
static int s_add_dir(s_send_t *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "kouan send: cannot open %s: %s\n", dir, strerror(errno));
        return KN_EIO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(e->d_name);
        if (len > 7 && !strcmp(e->d_name + len - 7, ".reason"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **more = realloc(names, cap * sizeof *names);
            if (!more) {
                rc = KN_ENOMEM;
                goto out;
            }
            names = more;
        }
        if (!(names[n] = strdup(path))) {
            rc = KN_ENOMEM;
            goto out;
        }
        n++;
    }
    qsort(names, n, sizeof *names, s_cmp_str);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = s_add(s, names[i]);
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

/* Read the file and derive its id; a file that cannot be read is refused
 * locally with the reason. */
static int s_load(s_send_t *s, s_file_t *f, char *why, size_t whysize)
{
    f->ctype = s->ctype_override ? s->ctype_override : s_content_type(f->path);
    if (!f->ctype) {
        snprintf(why, whysize, "cannot tell the content type of %s: use --content-type", f->path);
        return KN_EINVAL;
    }
    FILE *in = fopen(f->path, "rb");
    if (!in) {
        snprintf(why, whysize, "cannot open %s: %s", f->path, strerror(errno));
        return KN_EIO;
    }
    int rc = 0;
    struct stat st;
    if (fstat(fileno(in), &st) != 0 || st.st_size > S_MAX_FILE) {
        snprintf(why, whysize, "%s is larger than %d bytes", f->path, S_MAX_FILE);
        rc = KN_ETOOBIG;
        goto out;
    }
    f->len = (size_t)st.st_size;
    f->data = malloc(f->len ? f->len : 1);
    if (!f->data || fread(f->data, 1, f->len, in) != f->len) {
        snprintf(why, whysize, "cannot read %s", f->path);
        rc = KN_EIO;
        goto out;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(f->data, f->len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 16; i++)
        snprintf(f->id + 2 * i, 3, "%02x", md[i]);
out:
    fclose(in);
    return rc;
}

/* Move path into its directory's sub-folder sub/, with an optional .reason. */
static void s_move(const char *path, const char *sub, const char *reason)
{
    char *a = strdup(path), *b = strdup(path);
    if (!a || !b)
        goto out;
    char target_dir[4096], target[8200];
    snprintf(target_dir, sizeof target_dir, "%s/%s", dirname(a), sub);
    snprintf(target, sizeof target, "%s/%s", target_dir, basename(b));
    if (mkdir(target_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "kouan send: cannot create %s: %s\n", target_dir, strerror(errno));
        goto out;
    }
    /* never replace an earlier file of the same name: add a counter */
    for (int n = 1; access(target, F_OK) == 0 && n < 1000; n++)
        snprintf(target, sizeof target, "%s/%s.%d", target_dir, basename(b), n);
    if (rename(path, target) != 0) {
        fprintf(stderr, "kouan send: cannot move %s to %s: %s\n", path, target, strerror(errno));
        goto out;
    }
    if (reason) {
        char rpath[8300];
        snprintf(rpath, sizeof rpath, "%s.reason", target);
        FILE *r = fopen(rpath, "w");
        if (r) {
            fprintf(r, "%s\n", reason);
            fclose(r);
        }
    }
out:
    free(a);
    free(b);
}

static void s_finish(s_send_t *s, s_file_t *f, s_state_t state, const char *code,
                     const char *reason, int events)
{
    f->state = state;
    f->events = events;
    f->code = code ? strdup(code) : NULL;
    f->reason = reason ? strdup(reason) : NULL;
    free(f->data);
    f->data = NULL;
    char line[2048];
    if (state == S_ACCEPTED)
        snprintf(line, sizeof line, "accepted  %s  events=%d%s%s", f->path, events,
                 reason && *reason ? "  warnings: " : "", reason && *reason ? reason : "");
    else if (state == S_REFUSED)
        snprintf(line, sizeof line, "refused   %s  %s: %s", f->path, code ? code : "LOCAL",
                 reason ? reason : "");
    else
        snprintf(line, sizeof line, "gave up   %s  %s", f->path, reason ? reason : "");
    if (!s->quiet || state != S_ACCEPTED)
        printf("%s\n", line);
    fflush(stdout);
    if (s->keep || state == S_GAVE_UP)
        return;
    char text[2048];
    if (state == S_REFUSED)
        snprintf(text, sizeof text, "%s: %s", code ? code : "LOCAL", reason ? reason : "");
    s_move(f->path, state == S_ACCEPTED ? "done" : "failed", state == S_REFUSED ? text : NULL);
}

static int s_usage(FILE *out)
{
    fprintf(out, "usage: kouan send [options] FILE|DIR...\n"
                 "  -c, --config FILE        configuration file ([client] section)\n"
                 "  -b, --broker ENDPOINT    broker endpoint (default from [client] broker)\n"
                 "  -s, --server-key FILE    the broker's public key file\n"
                 "  -k, --key FILE           this party's secret key file\n"
                 "  -w, --window N           messages in flight at once\n"
                 "  -r, --resend-ms N        resend when no answer within N ms\n"
                 "  -T, --timeout S          give up on a message after S seconds (0 = never)\n"
                 "  -t, --content-type TYPE  content type for every file (default: from the "
                 "extension, .edi or .xml)\n"
                 "  -K, --keep               leave files where they are (default: move to done/ "
                 "or failed/)\n"
                 "  -q, --quiet              print only refusals and failures\n"
                 "A directory is a spool: its regular files are sent in name order.\n"
                 "Exit status: 0 all accepted, 1 some refused, 2 usage, 3 could not deliver.\n");
    return out == stdout ? KN_EXIT_OK : KN_EXIT_USAGE;
}

/* Give the broker's answer to the in-flight files with its id (files with the
 * same content share an id: all of them get it).  Returns how many settled. */
static size_t s_settle(s_send_t *s, const kn_reply_t *r)
{
    size_t settled = 0;
    for (size_t k = 0; k < s->nflight;) {
        s_file_t *f = &s->files[s->flight[k]];
        if (strcmp(f->id, r->id) != 0) {
            k++;
            continue;
        }
        if (r->cmd == KN_WIRE_ACK)
            s_finish(s, f, S_ACCEPTED, NULL, r->text, atoi(r->code));
        else
            s_finish(s, f, S_REFUSED, r->code, r->text, 0);
        s->flight[k] = s->flight[--s->nflight];
        settled++;
    }
    if (!settled && r->cmd == KN_WIRE_NACK && !r->id[0])
        fprintf(stderr, "kouan send: the broker refused a message it could not identify: %s: %s\n",
                r->code, r->text);
    return settled;
}

typedef struct {
    const char *name;  /* [client] option */
    const char *value; /* from the command line */
} s_override_t;

int kn_cmd_send(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"broker", required_argument, NULL, 'b'},
                                         {"server-key", required_argument, NULL, 's'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"window", required_argument, NULL, 'w'},
                                         {"resend-ms", required_argument, NULL, 'r'},
                                         {"timeout", required_argument, NULL, 'T'},
                                         {"content-type", required_argument, NULL, 't'},
                                         {"keep", no_argument, NULL, 'K'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *path = NULL;
    s_override_t overrides[16];
    int noverrides = 0, c;
    s_send_t s = {0};
    while ((c = getopt_long(argc, argv, "c:b:s:k:w:r:T:t:Kqh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'b':
            overrides[noverrides++] = (s_override_t){"broker", optarg};
            break;
        case 's':
            overrides[noverrides++] = (s_override_t){"server_public_key_file", optarg};
            break;
        case 'k':
            overrides[noverrides++] = (s_override_t){"secret_key_file", optarg};
            break;
        case 'w':
            overrides[noverrides++] = (s_override_t){"window", optarg};
            break;
        case 'r':
            overrides[noverrides++] = (s_override_t){"resend_ms", optarg};
            break;
        case 'T':
            overrides[noverrides++] = (s_override_t){"timeout_s", optarg};
            break;
        case 't':
            s.ctype_override = optarg;
            break;
        case 'K':
            s.keep = true;
            break;
        case 'q':
            s.quiet = true;
            break;
        case 'h':
            return s_usage(stdout);
        default:
            return s_usage(stderr);
        }
        if (noverrides == (int)(sizeof overrides / sizeof overrides[0])) {
            fprintf(stderr, "kouan send: too many options\n");
            return KN_EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return s_usage(stderr);

    int rc = KN_EXIT_USAGE;
    char why[1024];
    kn_client_t *client = NULL;
    kn_config_t *cfg = kn_config_new();
    if (!cfg)
        goto out;
    /* The file is optional for send: flags may say everything. */
    const char *file = kn_cli_config_path(path);
    if ((path || access(file, R_OK) == 0) && kn_config_load(cfg, file, why, sizeof why) != 0) {
        fprintf(stderr, "kouan send: %s\n", why);
        goto out;
    }
    for (int i = 0; i < noverrides; i++)
        if (kn_config_set(cfg, "client", overrides[i].name, overrides[i].value, why, sizeof why) !=
            0) {
            fprintf(stderr, "kouan send: %s\n", why);
            goto out;
        }
    for (int i = optind; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "kouan send: %s: %s\n", argv[i], strerror(errno));
            goto out;
        }
        if ((S_ISDIR(st.st_mode) ? s_add_dir(&s, argv[i]) : s_add(&s, argv[i])) != 0)
            goto out;
    }
    client = kn_client_new_from_config(cfg, why, sizeof why);
    if (!client) {
        fprintf(stderr, "kouan send: %s\n", why);
        goto out;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    size_t window = (size_t)kn_config_int(cfg, "client", "window");
    int64_t resend = kn_config_int(cfg, "client", "resend_ms");
    int64_t timeout = kn_config_int(cfg, "client", "timeout_s") * 1000;
    s.flight = calloc(window, sizeof *s.flight);
    if (!s.flight) {
        rc = KN_EXIT_FAILED;
        goto out;
    }
    size_t next = 0, done = 0;
    rc = KN_EXIT_OK;
    while (done < s.n && !s_interrupted) {
        int64_t now = kn_clock_ms();
        while (s.nflight < window && next < s.n) {
            s_file_t *f = &s.files[next++];
            if (s_load(&s, f, why, sizeof why) != 0) {
                s_finish(&s, f, S_REFUSED, "LOCAL", why, 0);
                done++;
                continue;
            }
            f->state = S_IN_FLIGHT;
            f->first_sent = now;
            f->last_sent = now - resend; /* due at once */
            s.flight[s.nflight++] = (size_t)(f - s.files);
        }
        /* (re)send what is due, give up on what is too old, find the next deadline */
        int64_t wait = resend;
        for (size_t k = 0; k < s.nflight;) {
            s_file_t *f = &s.files[s.flight[k]];
            if (timeout && now - f->first_sent >= timeout) {
                snprintf(why, sizeof why,
                         "no answer from the broker within %lld s (file left in place)",
                         (long long)(timeout / 1000));
                s_finish(&s, f, S_GAVE_UP, NULL, why, 0);
                s.flight[k] = s.flight[--s.nflight];
                done++;
                continue;
            }
            if (now - f->last_sent >= resend) {
                if (kn_client_send(client, f->id, f->ctype, f->data, f->len) == 0) {
                    if (f->tries > 0)
                        kn_log(KN_LOG_INFO, "resent %s (try %d)", f->path, f->tries + 1);
                    f->last_sent = now;
                    f->tries++;
                } else
                    f->last_sent = now - resend + 50; /* not connected yet: again shortly */
            }
            int64_t due = f->last_sent + resend - now;
            if (due < wait)
                wait = due;
            k++;
        }
        if (s.nflight == 0)
            continue;
        kn_reply_t reply;
        int r = kn_client_recv(client, &reply, (int)(wait > 0 ? wait : 0), why, sizeof why);
        if (r == KN_EAUTH) {
            fprintf(stderr, "kouan send: %s\n", why);
            rc = KN_EXIT_FAILED;
            goto out;
        }
        if (r != 0)
            continue; /* timeout (resend next turn), EINTR, or a stray reply */
        if (reply.cmd == KN_WIRE_ACK || reply.cmd == KN_WIRE_NACK)
            done += s_settle(&s, &reply);
    }
    for (size_t i = 0; i < s.n; i++) {
        s_file_t *f = &s.files[i];
        if (f->state == S_REFUSED && rc == KN_EXIT_OK)
            rc = KN_EXIT_REFUSED;
        if (f->state == S_GAVE_UP || f->state == S_IN_FLIGHT || f->state == S_PENDING)
            rc = KN_EXIT_FAILED;
    }
    if (s_interrupted)
        fprintf(stderr, "kouan send: interrupted, %zu of %zu files answered\n", done, s.n);
out:
    kn_client_destroy(&client);
    kn_config_destroy(&cfg);
    for (size_t i = 0; i < s.n; i++) {
        free(s.files[i].path);
        free(s.files[i].data);
        free(s.files[i].code);
        free(s.files[i].reason);
    }
    free(s.files);
    free(s.flight);
    return rc;
}
