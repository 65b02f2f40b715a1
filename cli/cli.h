/* kouan — subcommands of the kouan executable.
 *
 * Each takes the arguments after its name (argv[0] is the subcommand) and
 * returns the process exit status.  main.c only dispatches. */
#ifndef KN_CLI_H
#define KN_CLI_H

/* Exit statuses shared by the subcommands. */
enum {
    KN_EXIT_OK = 0,      /* done; for send: every message accepted */
    KN_EXIT_REFUSED = 1, /* send: at least one message refused (NACK) */
    KN_EXIT_USAGE = 2,   /* bad arguments or configuration */
    KN_EXIT_FAILED = 3   /* could not do it: broker away, key refused, database down */
};

/* The configuration file named by -c, $KOUAN_CONF, or the default. */
const char *kn_cli_config_path(const char *given);

int kn_cmd_broker(int argc, char **argv);
int kn_cmd_db(int argc, char **argv);
int kn_cmd_keygen(int argc, char **argv);
int kn_cmd_parse(int argc, char **argv);
int kn_cmd_recv(int argc, char **argv);
int kn_cmd_rules(int argc, char **argv);
int kn_cmd_send(int argc, char **argv);
int kn_cmd_why(int argc, char **argv);

#endif
