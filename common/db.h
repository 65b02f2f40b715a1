/* kouan — the database: connection, private cluster, migrations.
 *
 * PostgreSQL is the source of truth.  A configured libpq connection string
 * ([database] conninfo, multi-host allowed) is used as it is; with none, kouan
 * runs a private cluster in [database] data_dir: initdb, pg_ctl, unix socket in
 * the data directory only, no TCP.  Run as root, the cluster's processes run as
 * the "postgres" user, since PostgreSQL refuses to run as root.
 * Schema changes are numbered SQL files in db/migrations, built into the binary.
 */
#ifndef KN_DB_H
#define KN_DB_H

#include "config.h"
#include "embed.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The numbered migrations of db/migrations, in name order; the version of
 * each is the number its name starts with (001_inbound.sql is 1). */
extern const kn_embedded_t kn__migrations[];

/* Highest migration version built in. */
int kn_db_latest_version(void);

/* The connection string to use: [database] conninfo, or the private cluster's
 * ("host=DATA_DIR dbname=kouan user=kouan").  Caller frees; NULL on no memory. */
char *kn_db_conninfo(const kn_config_t *cfg);

/* Create (initdb) the private cluster in data_dir if it does not exist, start it
 * if it is not running, and create the kouan database.  Idempotent.  Returns 0
 * or a negative kn_err_t with the reason (and the tool's output) in errbuf. */
int kn_db_private_start(const char *data_dir, char *errbuf, size_t errsize);

/* Stop the private cluster (fast shutdown); 0 when it was not running. */
int kn_db_private_stop(const char *data_dir, char *errbuf, size_t errsize);

/* True when the private cluster in data_dir is running. */
bool kn_db_private_running(const char *data_dir);

/* Connect; NULL with the reason in errbuf.  The caller owns the connection. */
PGconn *kn_db_connect(const char *conninfo, char *errbuf, size_t errsize);

/* Schema version recorded in the database (0 when none), or -1 on error. */
int kn_db_schema_version(PGconn *conn);

/* Apply every migration newer than the recorded version, each in its own
 * transaction, under an advisory lock so two migrators cannot race.  Writes one
 * line per applied file to out (may be NULL).  Returns the number applied, or a
 * negative kn_err_t with the reason in errbuf.  Running it twice changes nothing. */
int kn_db_migrate(PGconn *conn, FILE *out, char *errbuf, size_t errsize);

#endif
