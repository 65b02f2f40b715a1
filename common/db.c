/* setgroups() is not POSIX: glibc declares it under _DEFAULT_SOURCE. */
#define _DEFAULT_SOURCE
#include "db.h"
#include "err.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef KN_PG_BINDIR
#define KN_PG_BINDIR "/usr/lib/postgresql/15/bin"
#endif

#define S_PG_USER "postgres" /* who runs the private cluster when we are root */
#define S_DB_NAME "kouan"
#define S_DB_USER "kouan"

int kn_db_latest_version(void)
{
    int v = 0;
    for (const kn_embedded_t *m = kn__migrations; m->name; m++)
        if (atoi(m->name) > v)
            v = atoi(m->name);
    return v;
}

/* libpq conninfo values are quoted with single quotes, \ and ' escaped. */
static void s_quote(char *out, size_t size, const char *value)
{
    size_t o = 0;
    if (o + 1 < size)
        out[o++] = '\'';
    for (const char *c = value; *c && o + 3 < size; c++) {
        if (*c == '\'' || *c == '\\')
            out[o++] = '\\';
        out[o++] = *c;
    }
    if (o + 1 < size)
        out[o++] = '\'';
    out[o] = '\0';
}

char *kn_db_conninfo(const kn_config_t *cfg)
{
    const char *conninfo = kn_config_str(cfg, "database", "conninfo");
    if (conninfo[0])
        return strdup(conninfo);
    char dir[2 * PATH_MAX + 8], abs[2 * PATH_MAX + 2], cwd[PATH_MAX];
    const char *data_dir = kn_config_str(cfg, "database", "data_dir");
    /* libpq takes a host that does not start with '/' for a host name */
    if (data_dir[0] != '/' && getcwd(cwd, sizeof cwd)) {
        snprintf(abs, sizeof abs, "%s/%s", cwd, data_dir);
        data_dir = abs;
    }
    s_quote(dir, sizeof dir, data_dir);
    size_t n = strlen(dir) + 64;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "host=%s dbname=" S_DB_NAME " user=" S_DB_USER, dir);
    return s;
}

static const char *s_bindir(void)
{
    const char *env = getenv("KOUAN_PG_BINDIR");
    return env && *env ? env : KN_PG_BINDIR;
}

/* Run argv (a PostgreSQL tool) with its output captured into out; as the
 * postgres user when we are root.  Returns the exit status, or -1. */
static int s_run(char *const argv[], const char *cwd, char *out, size_t outsize)
{
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        snprintf(out, outsize, "pipe: %s", strerror(errno));
        return -1;
    }
    struct passwd *pw = NULL;
    if (geteuid() == 0 && !(pw = getpwnam(S_PG_USER))) {
        snprintf(out, outsize, "running as root and there is no %s user to run PostgreSQL",
                 S_PG_USER);
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(out, outsize, "fork: %s", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        if (pw && (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)) {
            fprintf(stderr, "cannot become user %s: %s\n", S_PG_USER, strerror(errno));
            _exit(127);
        }
        if (cwd && chdir(cwd) != 0) {
            fprintf(stderr, "cannot enter %s: %s\n", cwd, strerror(errno));
            _exit(127);
        }
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    size_t used = 0;
    char buf[4096];
    ssize_t r;
    while ((r = read(pipefd[0], buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR)) {
        if (r <= 0)
            continue;
        /* keep the tail: the reason is at the end of a tool's output */
        if (used + (size_t)r >= outsize) {
            size_t drop = used + (size_t)r - outsize + 1;
            if (drop > used)
                drop = used;
            memmove(out, out + drop, used - drop);
            used -= drop;
        }
        size_t take = (size_t)r < outsize - 1 - used ? (size_t)r : outsize - 1 - used;
        memcpy(out + used, buf, take);
        used += take;
    }
    out[used] = '\0';
    close(pipefd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* When root, every directory above data_dir must let the postgres user pass. */
static int s_check_reachable(const char *dir, char *errbuf, size_t errsize)
{
    if (geteuid() != 0)
        return 0;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    for (char *slash = strrchr(path, '/'); slash && slash != path; slash = strrchr(path, '/')) {
        *slash = '\0';
        struct stat st;
        if (stat(path, &st) == 0 && !(st.st_mode & S_IXOTH)) {
            snprintf(errbuf, errsize,
                     "the postgres user cannot reach %s: %s is mode %04o (it needs o+x)", dir, path,
                     (unsigned)(st.st_mode & 07777));
            return KN_EIO;
        }
    }
    return 0;
}

static int s_mkdirs(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

bool kn_db_private_running(const char *data_dir)
{
    char pg_ctl[PATH_MAX], out[1024];
    snprintf(pg_ctl, sizeof pg_ctl, "%s/pg_ctl", s_bindir());
    char *argv[] = {pg_ctl, "-D", (char *)data_dir, "status", NULL};
    return s_run(argv, data_dir, out, sizeof out) == 0;
}

static int s_initdb(const char *dir, char *errbuf, size_t errsize)
{
    char out[8192];
    if (s_mkdirs(dir) != 0) {
        snprintf(errbuf, errsize, "cannot create %s: %s", dir, strerror(errno));
        return KN_EIO;
    }
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam(S_PG_USER);
        /* lchown: never follow a link planted where the data directory goes */
        if (!pw || lchown(dir, pw->pw_uid, pw->pw_gid) != 0) {
            snprintf(errbuf, errsize, "cannot give %s to user %s: %s", dir, S_PG_USER,
                     pw ? strerror(errno) : "no such user");
            return KN_EIO;
        }
    }
    char initdb[PATH_MAX];
    snprintf(initdb, sizeof initdb, "%s/initdb", s_bindir());
    char *argv[] = {initdb,  "-D", (char *)dir, "-U",         S_DB_USER, "-A",
                    "trust", "-E", "UTF8",      "--locale=C", NULL};
    if (s_run(argv, dir, out, sizeof out) != 0) {
        snprintf(errbuf, errsize, "initdb %s failed:\n%s", dir, out);
        return KN_EDB;
    }
    /* Unix socket in the data directory only: nothing listens on TCP. */
    char conf[PATH_MAX];
    snprintf(conf, sizeof conf, "%s/postgresql.conf", dir);
    FILE *f = fopen(conf, "a");
    if (!f) {
        snprintf(errbuf, errsize, "cannot append to %s: %s", conf, strerror(errno));
        return KN_EIO;
    }
    char quoted[PATH_MAX + 8];
    s_quote(quoted, sizeof quoted, dir);
    fprintf(f,
            "\n# kouan private cluster\n"
            "listen_addresses = ''\n"
            "unix_socket_directories = %s\n"
            "unix_socket_permissions = 0700\n"
            "max_connections = 64\n"
            "shared_buffers = 128MB\n"
            "# fewer checkpoints, so fewer full-page images in the WAL of a busy ingest\n"
            "max_wal_size = 4GB\n"
            "checkpoint_timeout = 15min\n"
            "wal_compression = on\n",
            quoted);
    fclose(f);
    return 0;
}

int kn_db_private_start(const char *data_dir, char *errbuf, size_t errsize)
{
    char out[8192];
    int rc = s_check_reachable(data_dir, errbuf, errsize);
    if (rc)
        return rc;
    char version[PATH_MAX];
    snprintf(version, sizeof version, "%s/PG_VERSION", data_dir);
    if (access(version, F_OK) != 0) {
        kn_log(KN_LOG_NOTICE, "initdb data_dir=%s", data_dir);
        if ((rc = s_initdb(data_dir, errbuf, errsize)))
            return rc;
    }
    if (!kn_db_private_running(data_dir)) {
        char pg_ctl[PATH_MAX], logfile[PATH_MAX];
        snprintf(pg_ctl, sizeof pg_ctl, "%s/pg_ctl", s_bindir());
        snprintf(logfile, sizeof logfile, "%s/postgres.log", data_dir);
        char *argv[] = {pg_ctl, "-D",  (char *)data_dir, "-l", logfile, "-w",
                        "-t",   "120", "start",          NULL};
        if (s_run(argv, data_dir, out, sizeof out) != 0) {
            snprintf(errbuf, errsize, "pg_ctl start %s failed (see %s):\n%s", data_dir, logfile,
                     out);
            return KN_EDB;
        }
    }
    /* the database itself */
    char dir[PATH_MAX + 8], conninfo[PATH_MAX + 64];
    s_quote(dir, sizeof dir, data_dir);
    snprintf(conninfo, sizeof conninfo, "host=%s dbname=postgres user=" S_DB_USER, dir);
    PGconn *conn = kn_db_connect(conninfo, errbuf, errsize);
    if (!conn)
        return KN_EDB;
    PGresult *res = PQexec(conn, "SELECT 1 FROM pg_database WHERE datname = '" S_DB_NAME "'");
    rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(errbuf, errsize, "%s", PQerrorMessage(conn));
        rc = KN_EDB;
    } else if (PQntuples(res) == 0) {
        PQclear(res);
        res = PQexec(conn, "CREATE DATABASE " S_DB_NAME);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            snprintf(errbuf, errsize, "create database: %s", PQerrorMessage(conn));
            rc = KN_EDB;
        }
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

int kn_db_private_stop(const char *data_dir, char *errbuf, size_t errsize)
{
    char out[8192], pg_ctl[PATH_MAX];
    if (!kn_db_private_running(data_dir))
        return 0;
    snprintf(pg_ctl, sizeof pg_ctl, "%s/pg_ctl", s_bindir());
    char *argv[] = {pg_ctl, "-D", (char *)data_dir, "-m", "fast", "-w", "-t", "120", "stop", NULL};
    if (s_run(argv, data_dir, out, sizeof out) != 0) {
        snprintf(errbuf, errsize, "pg_ctl stop %s failed:\n%s", data_dir, out);
        return KN_EDB;
    }
    return 0;
}

/* Server notices ("relation already exists, skipping") go to the debug log. */
static void s_notice(void *arg, const char *message)
{
    (void)arg;
    kn_log(KN_LOG_DEBUG, "postgres: %.*s", (int)strcspn(message, "\n"), message);
}

PGconn *kn_db_connect(const char *conninfo, char *errbuf, size_t errsize)
{
    /* A bounded connect unless the connection string says otherwise (its own
     * keywords come after, and win): a dead host must not hold the broker's
     * loop for minutes. */
    const char *keys[] = {"connect_timeout", "dbname", NULL};
    const char *values[] = {"10", conninfo, NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    if (!conn) {
        snprintf(errbuf, errsize, "out of memory");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        snprintf(errbuf, errsize, "cannot connect to PostgreSQL: %s", PQerrorMessage(conn));
        size_t n = strlen(errbuf);
        while (n && (errbuf[n - 1] == '\n' || errbuf[n - 1] == ' '))
            errbuf[--n] = '\0';
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, s_notice, NULL);
    return conn;
}

static const char s_version_table[] = "CREATE TABLE IF NOT EXISTS kouan_schema ("
                                      " version integer PRIMARY KEY,"
                                      " name text NOT NULL,"
                                      " applied_at timestamptz NOT NULL DEFAULT now())";

int kn_db_schema_version(PGconn *conn)
{
    PGresult *res = PQexec(conn, "SELECT to_regclass('kouan_schema') IS NOT NULL");
    int v = -1;
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        goto out;
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        v = 0;
        goto out;
    }
    PQclear(res);
    res = PQexec(conn, "SELECT coalesce(max(version), 0) FROM kouan_schema");
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        v = atoi(PQgetvalue(res, 0, 0));
out:
    PQclear(res);
    return v;
}

/* Run sql; on failure write "what: error" into errbuf and return KN_EDB. */
static int s_exec(PGconn *conn, const char *sql, const char *what, char *errbuf, size_t errsize)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        snprintf(errbuf, errsize, "%s: %s", what, PQerrorMessage(conn));
        rc = KN_EDB;
    }
    PQclear(res);
    return rc;
}

int kn_db_migrate(PGconn *conn, FILE *out, char *errbuf, size_t errsize)
{
    int applied = 0;
    for (const kn_embedded_t *m = kn__migrations; m->name; m++) {
        int version = atoi(m->name);
        /* One transaction per file; the lock makes concurrent migrators wait
         * and then see the version the first one recorded. */
        if (s_exec(conn, "BEGIN", "begin", errbuf, errsize))
            return KN_EDB;
        if (s_exec(conn, "SELECT pg_advisory_xact_lock(7710)", "lock", errbuf, errsize) ||
            s_exec(conn, s_version_table, "kouan_schema", errbuf, errsize))
            goto fail;
        int current = kn_db_schema_version(conn);
        if (current < 0) {
            snprintf(errbuf, errsize, "reading the schema version: %s", PQerrorMessage(conn));
            goto fail;
        }
        if (version <= current) {
            if (s_exec(conn, "COMMIT", "commit", errbuf, errsize))
                return KN_EDB;
            continue;
        }
        if (s_exec(conn, m->data, m->name, errbuf, errsize))
            goto fail;
        char version_text[16];
        snprintf(version_text, sizeof version_text, "%d", version);
        const char *params[2] = {version_text, m->name};
        PGresult *res =
            PQexecParams(conn, "INSERT INTO kouan_schema (version, name) VALUES ($1, $2)", 2, NULL,
                         params, NULL, NULL, 0);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (!ok) {
            snprintf(errbuf, errsize, "recording %s: %s", m->name, PQerrorMessage(conn));
            goto fail;
        }
        if (s_exec(conn, "COMMIT", "commit", errbuf, errsize))
            return KN_EDB;
        if (out)
            fprintf(out, "applied %s\n", m->name);
        applied++;
    }
    return applied;
fail:
    PQclear(PQexec(conn, "ROLLBACK"));
    return KN_EDB;
}
