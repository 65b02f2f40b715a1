/* kouan sink — a local HTTP server playing the mini-program backend, the SMS
 * gateway, the EMS open platform and a DCSA subscriber, for the tests and the
 * demo.  It prints "sink listening on HOST:PORT" once it accepts connections
 * and stops cleanly on SIGTERM or SIGINT. */
#include "cli.h"
#include "config.h"
#include "log.h"
#include "sink.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: kouan sink [-c FILE] [--listen HOST:PORT]\n"
            "  serve /miniprogram, /sms, /ems and /dcsa as the real receivers would, checking\n"
            "  every signature; record each request in [sink] record_file (JSON lines)\n"
            "  control: POST /_sink/mode, GET /_sink/stats, GET /_sink/records, GET /healthz\n"
            "  --listen overrides [sink] listen; port 0 picks a free port\n");
}

int kn_cmd_sink(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *path = NULL, *listen = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "c:l:h", opts, NULL)) != -1) {
        if (c == 'c') {
            path = optarg;
        } else if (c == 'l') {
            listen = optarg;
        } else {
            s_usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? KN_EXIT_OK : KN_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        s_usage(stderr);
        return KN_EXIT_USAGE;
    }

    int rc = KN_EXIT_USAGE;
    char why[1024];
    kn_sink_t *sink = NULL;
    kn_config_t *cfg = kn_config_new();
    if (!cfg) {
        fprintf(stderr, "kouan sink: out of memory\n");
        goto out;
    }
    if (kn_config_load(cfg, kn_cli_config_path(path), why, sizeof why) != 0 ||
        (listen && kn_config_set(cfg, "sink", "listen", listen, why, sizeof why) != 0)) {
        fprintf(stderr, "kouan sink: %s\n", why);
        goto out;
    }
    kn_log_set_level(kn_config_str(cfg, "broker", "log_level"));

    /* Block the stop signals before the server threads exist, so they inherit
     * the mask and only sigwait() below ever sees the signals. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client that hangs up must not end the sink */

    kn_sink_conf_t conf = {
        .listen = kn_config_str(cfg, "sink", "listen"),
        .record_file = kn_config_str(cfg, "sink", "record_file"),
        .miniprogram_secret_file = kn_config_str(cfg, "notify", "miniprogram_secret_file"),
        .sms_secret_file = kn_config_str(cfg, "notify", "sms_secret_file"),
        .ems_key_file = kn_config_str(cfg, "notify", "ems_key_file"),
        .dcsa_secret_file = kn_config_str(cfg, "sink", "dcsa_secret_file"),
        .stall_ms = kn_config_int(cfg, "sink", "stall_ms"),
    };
    sink = kn_sink_new(&conf, why, sizeof why);
    if (!sink) {
        fprintf(stderr, "kouan sink: %s\n", why);
        rc = KN_EXIT_FAILED;
        goto out;
    }
    printf("sink listening on %s\n", kn_sink_address(sink));
    fflush(stdout);

    int sig = 0;
    if (sigwait(&stop, &sig) != 0) {
        fprintf(stderr, "kouan sink: sigwait failed\n");
        rc = KN_EXIT_FAILED;
        goto out;
    }
    kn_log(KN_LOG_INFO, "stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = KN_EXIT_OK;
out:
    kn_sink_destroy(&sink);
    kn_config_destroy(&cfg);
    return rc;
}
