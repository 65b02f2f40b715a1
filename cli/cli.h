/* kouan — subcommands of the kouan executable.
 *
 * Each takes the arguments after its name (argv[0] is the subcommand) and
 * returns the process exit status.  main.c only dispatches. */
#ifndef KN_CLI_H
#define KN_CLI_H

#include "config.h"

#include <libpq-fe.h>

/* Exit statuses shared by the subcommands. */
enum {
    KN_EXIT_OK = 0,      /* done; for send: every message accepted */
    KN_EXIT_REFUSED = 1, /* send: at least one message refused (NACK) */
    KN_EXIT_USAGE = 2,   /* bad arguments or configuration */
    KN_EXIT_FAILED = 3   /* could not do it: broker away, key refused, database down */
};

/* The configuration file named by -c, $KOUAN_CONF, or the default. */
const char *kn_cli_config_path(const char *given);

/* Load the configuration (path as for kn_cli_config_path) and connect to its
 * database: *conn (PQfinish it), and the configuration in *cfg when cfg is not
 * NULL (kn_config_destroy it).  Returns KN_EXIT_OK, or after printing "kouan
 * CMD: reason" on stderr KN_EXIT_USAGE (the configuration) or KN_EXIT_FAILED
 * (the database). */
int kn_cli_connect(const char *path, const char *cmd, PGconn **conn, kn_config_t **cfg);

/* For commands with actions ("kouan outbox [-c FILE] list ..."): reads -c
 * into *path and -h, then finds argv's action among actions (NULL-ended) and
 * its index in argv in *first.  Returns the action's index; or -1 when help
 * was asked for and printed (exit KN_EXIT_OK), -2 after printing usage for a
 * wrong or missing action or option (exit KN_EXIT_USAGE). */
int kn_cli_action(int argc, char **argv, const char *cmd, const char *usage,
                  const char *const *actions, const char **path, int *first);

/* For commands taking only -c and -h and nargs operands ("kouan why [-c FILE]
 * CONTAINER"): reads -c into *path and the operands' index in argv into
 * *first.  Returns 0; or -1 when help was asked for and printed (exit
 * KN_EXIT_OK), -2 after printing usage for a wrong option or operand count
 * (exit KN_EXIT_USAGE). */
int kn_cli_args(int argc, char **argv, const char *usage, int nargs, const char **path, int *first);

int kn_cmd_api(int argc, char **argv);
int kn_cmd_broker(int argc, char **argv);
int kn_cmd_callbacks(int argc, char **argv);
int kn_cmd_cert(int argc, char **argv);
int kn_cmd_db(int argc, char **argv);
int kn_cmd_keygen(int argc, char **argv);
int kn_cmd_notify(int argc, char **argv);
int kn_cmd_outbox(int argc, char **argv);
int kn_cmd_parse(int argc, char **argv);
int kn_cmd_principal(int argc, char **argv);
int kn_cmd_recv(int argc, char **argv);
int kn_cmd_rules(int argc, char **argv);
int kn_cmd_send(int argc, char **argv);
int kn_cmd_sim(int argc, char **argv);
int kn_cmd_sink(int argc, char **argv);
int kn_cmd_subscription(int argc, char **argv);
int kn_cmd_why(int argc, char **argv);

#endif
