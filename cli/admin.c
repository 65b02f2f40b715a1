/* kouan broker | db | keygen */
#include "adapter.h"
#include "broker.h"
#include "cli.h"
#include "db.h"
#include "err.h"
#include "keys.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *kn_cli_config_path(const char *given)
{
    if (given)
        return given;
    const char *env = getenv("KOUAN_CONF");
    return env && *env ? env : "/etc/kouan/kouan.conf";
}

int kn_cli_connect(const char *path, const char *cmd, PGconn **conn, kn_config_t **cfg)
{
    char why[1024];
    *conn = NULL;
    kn_config_t *loaded = kn_config_new();
    if (!loaded || kn_config_load(loaded, kn_cli_config_path(path), why, sizeof why) != 0) {
        fprintf(stderr, "kouan %s: %s\n", cmd, loaded ? why : "out of memory");
        kn_config_destroy(&loaded);
        return KN_EXIT_USAGE;
    }
    char *conninfo = kn_db_conninfo(loaded);
    *conn = conninfo ? kn_db_connect(conninfo, why, sizeof why) : NULL;
    if (!*conn)
        fprintf(stderr, "kouan %s: %s\n", cmd, conninfo ? why : "out of memory");
    free(conninfo);
    if (*conn && cfg)
        *cfg = loaded;
    else
        kn_config_destroy(&loaded);
    return *conn ? KN_EXIT_OK : KN_EXIT_FAILED;
}

/* -c into *path and -h (optstring "c:h", or "+c:h" to stop at the first
 * operand); -1 after printing help, -2 after printing usage, else 0. */
static int s_config_options(int argc, char **argv, const char *optstring, const char *usage,
                            const char **path)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 0; /* getopt starts afresh (0, not 1: glibc then forgets any earlier scan) */
    while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
        if (c == 'c')
            *path = optarg;
        else {
            fputs(usage, c == 'h' ? stdout : stderr);
            return c == 'h' ? -1 : -2;
        }
    }
    return 0;
}

int kn_cli_args(int argc, char **argv, const char *usage, int nargs, const char **path, int *first)
{
    int rc = s_config_options(argc, argv, "c:h", usage, path);
    if (rc != 0)
        return rc;
    if (argc - optind != nargs) {
        fputs(usage, stderr);
        return -2;
    }
    *first = optind;
    return 0;
}

int kn_cli_action(int argc, char **argv, const char *cmd, const char *usage,
                  const char *const *actions, const char **path, int *first)
{
    /* "+": options up to the action; the action reads its own */
    int rc = s_config_options(argc, argv, "+c:h", usage, path);
    if (rc != 0)
        return rc;
    if (optind >= argc) {
        fputs(usage, stderr);
        return -2;
    }
    *first = optind;
    for (int i = 0; actions[i]; i++)
        if (!strcmp(argv[optind], actions[i]))
            return i;
    fprintf(stderr, "kouan %s: unknown action \"%s\"\n%s", cmd, argv[optind], usage);
    return -2;
}

int kn_cmd_broker(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"test", no_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *path = NULL;
    int test = 0, c;
    while ((c = getopt_long(argc, argv, "c:th", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 't':
            test = 1;
            break;
        case 'h':
            printf("usage: kouan broker [-c FILE] [-t]\n"
                   "  -c, --config FILE  configuration file\n"
                   "  -t, --test         check the configuration and exit\n");
            return KN_EXIT_OK;
        default:
            return KN_EXIT_USAGE;
        }
    }
    path = kn_cli_config_path(path);
    char why[1024];
    kn_config_t *cfg = kn_broker_load_config(path, why, sizeof why);
    if (!cfg) {
        fprintf(stderr, "kouan broker: %s\n", why);
        return KN_EXIT_USAGE;
    }
    if (test) {
        printf("%s: configuration is valid\n", path);
        const char *rules = kn_config_str(cfg, "broker", "rules_file");
        printf("  rules %s: decision \"diversion\" checked\n",
               rules[0] ? rules : "built-in rules/diversion.dmn");
        for (size_t i = 0; i < kn_config_party_count(cfg); i++) {
            const kn_party_conf_t *p = kn_config_party(cfg, i);
            const kn_reader_t *r = kn_adapter_find(p->role, p->format);
            printf("  party %-16s %-8s %-12s %s\n", p->name, kn_role_name(p->role), p->format,
                   r ? r->summary : "");
        }
        kn_config_destroy(&cfg);
        return KN_EXIT_OK;
    }
    kn_broker_t *broker = kn_broker_new(&cfg, path, why, sizeof why);
    if (!broker) {
        kn_config_destroy(&cfg);
        kn_log(KN_LOG_ERROR, "%s", why);
        return KN_EXIT_FAILED;
    }
    int rc = kn_broker_run(broker);
    kn_broker_destroy(&broker);
    return rc == 0 ? KN_EXIT_OK : KN_EXIT_FAILED;
}

int kn_cmd_db(int argc, char **argv)
{
    static const char usage[] =
        "usage: kouan db [-c FILE] start | stop | status | migrate | conninfo\n"
        "  start     create (initdb) and start the private cluster in [database] data_dir\n"
        "  stop      stop the private cluster\n"
        "  status    say whether the database answers and its schema version\n"
        "  migrate   apply the numbered schema migrations not yet applied\n"
        "  conninfo  print the libpq connection string kouan uses\n"
        "With [database] conninfo set, start and stop do nothing: that server is "
        "someone else's.\n";
    const char *path = NULL;
    int first, got = kn_cli_args(argc, argv, usage, 1, &path, &first);
    if (got != 0)
        return got == -1 ? KN_EXIT_OK : KN_EXIT_USAGE;
    const char *action = argv[first];
    path = kn_cli_config_path(path);
    char why[8192];
    kn_config_t *cfg = kn_config_new();
    if (!cfg || kn_config_load(cfg, path, why, sizeof why) != 0) {
        fprintf(stderr, "kouan db: %s\n", cfg ? why : "out of memory");
        kn_config_destroy(&cfg);
        return KN_EXIT_USAGE;
    }
    bool private = kn_config_str(cfg, "database", "conninfo")[0] == '\0';
    const char *data_dir = kn_config_str(cfg, "database", "data_dir");
    char *conninfo = kn_db_conninfo(cfg);
    int rc = KN_EXIT_OK;
    PGconn *conn = NULL;
    if (!strcmp(action, "start") || !strcmp(action, "stop")) {
        if (!private) {
            printf("[database] conninfo is set: nothing to %s\n", action);
        } else if (!strcmp(action, "start")) {
            if (kn_db_private_start(data_dir, why, sizeof why) != 0) {
                fprintf(stderr, "kouan db start: %s\n", why);
                rc = KN_EXIT_FAILED;
            } else
                printf("PostgreSQL running in %s\n", data_dir);
        } else if (kn_db_private_stop(data_dir, why, sizeof why) != 0) {
            fprintf(stderr, "kouan db stop: %s\n", why);
            rc = KN_EXIT_FAILED;
        } else
            printf("PostgreSQL in %s stopped\n", data_dir);
    } else if (!strcmp(action, "conninfo")) {
        printf("%s\n", conninfo);
    } else if (!strcmp(action, "status") || !strcmp(action, "migrate")) {
        conn = kn_db_connect(conninfo, why, sizeof why);
        if (!conn) {
            fprintf(stderr, "kouan db %s: %s\n", action, why);
            rc = KN_EXIT_FAILED;
        } else if (!strcmp(action, "status")) {
            int v = kn_db_schema_version(conn);
            printf("connected: %s\nschema version %d, this kouan needs %d%s\n", conninfo, v,
                   kn_db_latest_version(),
                   v == kn_db_latest_version() ? "" : ": run kouan db migrate");
            rc = v == kn_db_latest_version() ? KN_EXIT_OK : KN_EXIT_FAILED;
        } else {
            int n = kn_db_migrate(conn, stdout, why, sizeof why);
            if (n < 0) {
                fprintf(stderr, "kouan db migrate: %s\n", why);
                rc = KN_EXIT_FAILED;
            } else
                printf("schema at version %d (%d migration%s applied)\n",
                       kn_db_schema_version(conn), n, n == 1 ? "" : "s");
        }
    } else {
        fprintf(stderr, "kouan db: unknown action \"%s\"\n%s", action, usage);
        rc = KN_EXIT_USAGE;
    }
    if (conn)
        PQfinish(conn);
    free(conninfo);
    kn_config_destroy(&cfg);
    return rc;
}

int kn_cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *dir = ".";
    int c;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        if (c == 'd')
            dir = optarg;
        else {
            fprintf(c == 'h' ? stdout : stderr,
                    "usage: kouan keygen [-d DIR] NAME\n"
                    "  writes DIR/NAME.pub (give it to the other side) and DIR/NAME.key "
                    "(mode 0600, keep it)\n");
            return c == 'h' ? KN_EXIT_OK : KN_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: kouan keygen [-d DIR] NAME\n");
        return KN_EXIT_USAGE;
    }
    char why[1024];
    if (kn_keys_generate(dir, argv[optind], why, sizeof why) != 0) {
        fprintf(stderr, "kouan keygen: %s\n", why);
        return KN_EXIT_FAILED;
    }
    printf("%s/%s.pub\n%s/%s.key\n", dir, argv[optind], dir, argv[optind]);
    return KN_EXIT_OK;
}
