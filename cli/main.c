/* kouan — the one executable; each daemon and tool is a subcommand. */
#include "cli.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

#ifndef KN_VERSION
#define KN_VERSION "0.1.0"
#endif

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} s_commands[] = {
    {"api", kn_cmd_api, "HTTP API: DCSA events, container timelines, health, metrics"},
    {"broker", kn_cmd_broker, "run the broker (-t: check the configuration and exit)"},
    {"callbacks", kn_cmd_callbacks, "HTTP receiver for outside parties' callbacks (EMS pushes)"},
    {"cert", kn_cmd_cert, "certificates of origin by EMS: request | deposit | pickup | show"},
    {"db", kn_cmd_db, "private PostgreSQL and schema: start | stop | status | migrate | conninfo"},
    {"keygen", kn_cmd_keygen, "write a CURVE keypair: NAME.pub and NAME.key (0600)"},
    {"notify", kn_cmd_notify, "deliver the outbox: mini-program, SMS, EMS, DCSA subscribers"},
    {"outbox", kn_cmd_outbox, "notifications: list | show ID | replay ID..."},
    {"parse", kn_cmd_parse, "what a party's file yields: one JSON event per line, or the error"},
    {"principal", kn_cmd_principal, "callers of the HTTP API: add NAME --role R | list | revoke"},
    {"recv", kn_cmd_recv, "receive instructions as a party into a directory, acknowledging each"},
    {"rules", kn_cmd_rules, "decision tables: check FILE | test FILE CASES (DMN TCK format)"},
    {"why", kn_cmd_why, "the decisions taken for a container, in plain words"},
    {"send", kn_cmd_send, "send files or spool directories to the broker as a party"},
    {"sim", kn_cmd_sim,
     "the port-day simulator: write SCENARIO DIR | run SCENARIO (two flows, KPIs)"},
    {"sink", kn_cmd_sink, "a local HTTP server playing mini-program backend, EMS, SMS gateway"},
    {"subscription", kn_cmd_subscription, "DCSA event subscriptions: add | list | remove ID"},
};

static void s_usage(FILE *out)
{
    fprintf(out, "usage: kouan COMMAND [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        fprintf(out, "  %-12s %s\n", s_commands[i].name, s_commands[i].summary);
    fprintf(out, "\n'kouan COMMAND --help' for a command's options.\n"
                 "The configuration file is -c FILE, else $KOUAN_CONF, else "
                 "/etc/kouan/kouan.conf.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        s_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? KN_EXIT_USAGE : KN_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("kouan %s\n", KN_VERSION);
        return KN_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        if (!strcmp(argv[1], s_commands[i].name)) {
            kn_log_set_ident(s_commands[i].name);
            return s_commands[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "kouan: unknown command \"%s\"\n\n", argv[1]);
    s_usage(stderr);
    return KN_EXIT_USAGE;
}
