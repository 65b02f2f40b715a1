/* kouan recv — the party's side of instructions: says READY, writes every
 * instruction the broker sends (OUT) into a directory as a file for the
 * party's own system, and acknowledges it (OUTACK) once the file is safely on
 * disk.  An instruction delivered again (the OUTACK was lost) is written again
 * under the same name: the file name is the instruction id. */
#include "cli.h"
#include "clock.h"
#include "client.h"
#include "err.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_READY_EVERY_MS 10000 /* say READY again (a restarted broker forgets) */

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

/* Write the instruction to dir/<id>.<ext> through a temporary file, fsynced
 * and renamed, so the party's system never sees half a file.  0 or -1. */
static int s_store(const char *dir, const kn_reply_t *r, char *path, size_t size)
{
    char name[160], tmp[4200];
    size_t n = 0;
    for (const char *c = r->id; *c && n < 128; c++) {
        char k = (*c == '/' || (*c == '.' && n == 0)) ? '_' : *c;
        name[n++] = k;
    }
    name[n] = '\0';
    const char *ext = strstr(r->code, "xml") ? "xml" : "bin";
    snprintf(path, size, "%s/%s.%s", dir, name, ext);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, r->payload, r->payload_len);
    int ok = w == (ssize_t)r->payload_len && fsync(fd) == 0;
    ok &= close(fd) == 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int s_usage(FILE *out)
{
    fprintf(out, "usage: kouan recv [options] DIR\n"
                 "  -c, --config FILE        configuration file ([client] section)\n"
                 "  -b, --broker ENDPOINT    broker endpoint\n"
                 "  -s, --server-key FILE    the broker's public key file\n"
                 "  -k, --key FILE           this party's secret key file\n"
                 "  -n, --count N            exit after N instructions\n"
                 "  -i, --idle S             exit after S seconds without an instruction\n"
                 "      --no-ack             write but do not acknowledge (the broker will\n"
                 "                           deliver again): for looking, not for production\n"
                 "Writes each instruction to DIR/<instruction id>.xml, then acknowledges it.\n");
    return out == stdout ? KN_EXIT_OK : KN_EXIT_USAGE;
}

int kn_cmd_recv(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"broker", required_argument, NULL, 'b'},
                                         {"server-key", required_argument, NULL, 's'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"count", required_argument, NULL, 'n'},
                                         {"idle", required_argument, NULL, 'i'},
                                         {"no-ack", no_argument, NULL, 'A'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *path = NULL, *overrides[3][2];
    int noverrides = 0, c;
    long count = 0, idle = 0;
    bool ack = true;
    while ((c = getopt_long(argc, argv, "c:b:s:k:n:i:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'b':
        case 's':
        case 'k':
            if (noverrides == 3)
                return s_usage(stderr);
            overrides[noverrides][0] = c == 'b'   ? "broker"
                                       : c == 's' ? "server_public_key_file"
                                                  : "secret_key_file";
            overrides[noverrides++][1] = optarg;
            break;
        case 'n':
            count = atol(optarg);
            break;
        case 'i':
            idle = atol(optarg);
            break;
        case 'A':
            ack = false;
            break;
        case 'h':
            return s_usage(stdout);
        default:
            return s_usage(stderr);
        }
    }
    if (optind != argc - 1)
        return s_usage(stderr);
    const char *dir = argv[optind];
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "kouan recv: %s is not a directory\n", dir);
        return KN_EXIT_USAGE;
    }
    char why[1024];
    int rc = KN_EXIT_USAGE;
    kn_client_t *client = NULL;
    kn_config_t *cfg = kn_config_new();
    if (!cfg)
        goto out;
    const char *file = kn_cli_config_path(path);
    if ((path || access(file, R_OK) == 0) && kn_config_load(cfg, file, why, sizeof why) != 0) {
        fprintf(stderr, "kouan recv: %s\n", why);
        goto out;
    }
    for (int i = 0; i < noverrides; i++)
        if (kn_config_set(cfg, "client", overrides[i][0], overrides[i][1], why, sizeof why)) {
            fprintf(stderr, "kouan recv: %s\n", why);
            goto out;
        }
    client = kn_client_new_from_config(cfg, why, sizeof why);
    if (!client) {
        fprintf(stderr, "kouan recv: %s\n", why);
        rc = KN_EXIT_FAILED;
        goto out;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    rc = KN_EXIT_OK;
    long received = 0;
    int64_t last_ready = -S_READY_EVERY_MS, last_seen = kn_clock_ms();
    while (!s_stop && (!count || received < count)) {
        int64_t now = kn_clock_ms();
        if (idle && now - last_seen >= idle * 1000)
            break;
        if (now - last_ready >= S_READY_EVERY_MS)
            /* not connected yet: try again in 200 ms */
            last_ready = kn_client_ready(client) == 0 ? now : now - S_READY_EVERY_MS + 200;
        kn_reply_t r;
        int got = kn_client_recv(client, &r, 200, why, sizeof why);
        if (got == KN_EAUTH) {
            fprintf(stderr, "kouan recv: %s\n", why);
            rc = KN_EXIT_FAILED;
            break;
        }
        if (got != 0 || r.cmd != KN_WIRE_OUT)
            continue;
        char target[4400];
        if (s_store(dir, &r, target, sizeof target) != 0) {
            /* not acknowledged: the broker delivers it again */
            kn_log(KN_LOG_ERROR, "cannot write instruction %s to %s: %s", r.id, dir,
                   strerror(errno));
            continue;
        }
        printf("received  %s  %s\n", r.id, target);
        fflush(stdout);
        if (ack)
            kn_client_outack(client, r.id);
        received++;
        last_seen = kn_clock_ms();
    }
out:
    kn_client_destroy(&client);
    kn_config_destroy(&cfg);
    return rc;
}
