#include "store.h"
#include "db.h"
#include "dedupe.h"
#include "err.h"
#include "log.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_COLS 8 /* parameters per inbound row */

struct kn_store {
    char *conninfo; /* as configured */
    PGconn *conn;   /* NULL while disconnected */
};

kn_store_t *kn_store_new(const char *conninfo)
{
    kn_store_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup(conninfo);
    if (!self->conninfo) {
        free(self);
        return NULL;
    }
    return self;
}

static void s_disconnect(kn_store_t *self)
{
    if (self->conn)
        PQfinish(self->conn);
    self->conn = NULL;
}

void kn_store_destroy(kn_store_t **self)
{
    if (!self || !*self)
        return;
    s_disconnect(*self);
    free((*self)->conninfo);
    free(*self);
    *self = NULL;
}

int kn_store_connect(kn_store_t *self, char *errbuf, size_t errsize)
{
    s_disconnect(self);
    self->conn = kn_db_connect(self->conninfo, errbuf, errsize);
    if (!self->conn)
        return KN_EDB;
    int have = kn_db_schema_version(self->conn);
    int need = kn_db_latest_version();
    if (have != need) {
        if (have < 0)
            snprintf(errbuf, errsize, "cannot read the schema version: %s",
                     PQerrorMessage(self->conn));
        else
            snprintf(errbuf, errsize,
                     "database schema is at version %d, this kouan needs %d: run kouan db "
                     "migrate",
                     have, need);
        int rc = have < 0 ? KN_EDB : KN_ECONFIG;
        s_disconnect(self);
        return rc;
    }
    return 0;
}

bool kn_store_connected(const kn_store_t *self)
{
    return self->conn && PQstatus(self->conn) == CONNECTION_OK;
}

/* A copy of s with every byte that is not part of valid UTF-8 replaced by '?',
 * so a reason quoting a party's bytes can always be stored as text. */
static const char *s_utf8(kn_arena_t *arena, const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *out = kn_arena_strndup(arena, s, len);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)out;
    for (size_t i = 0; i < len;) {
        size_t need = p[i] < 0x80 ? 1 : (p[i] >> 5) == 6 ? 2 : (p[i] >> 4) == 14 ? 3 : (p[i] >> 3) == 30 ? 4 : 0;
        bool ok = need && i + need <= len;
        for (size_t k = 1; ok && k < need; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (!ok) {
            out[i++] = '?';
            continue;
        }
        i += need;
    }
    return out;
}

static bool s_connection_lost(kn_store_t *self)
{
    return PQstatus(self->conn) != CONNECTION_OK;
}

/* Read the stored outcome of a message already in inbound into it. */
static int s_read_stored(kn_store_t *self, kn_inbound_t *it, kn_arena_t *arena, char *errbuf,
                         size_t errsize)
{
    const char *params[2] = {it->party, it->msg_id};
    PGresult *res = PQexecParams(self->conn,
                                 "SELECT status, error_code, reason, events FROM inbound "
                                 "WHERE party = $1 AND msg_id = $2",
                                 2, NULL, params, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        snprintf(errbuf, errsize, "reading the stored outcome of %s/%s: %s", it->party,
                 it->msg_id, PQerrorMessage(self->conn));
        rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
        goto out;
    }
    it->duplicate = true;
    it->status = strcmp(PQgetvalue(res, 0, 0), "accepted") == 0 ? KN_INBOUND_ACCEPTED
                                                                : KN_INBOUND_REJECTED;
    it->error_code = PQgetisnull(res, 0, 1) ? NULL : kn_arena_strdup(arena, PQgetvalue(res, 0, 1));
    it->reason = PQgetisnull(res, 0, 2) ? NULL : kn_arena_strdup(arena, PQgetvalue(res, 0, 2));
    it->events = atoi(PQgetvalue(res, 0, 3));
out:
    PQclear(res);
    return rc;
}

/* The multi-row INSERT for n rows, in arena. */
static char *s_insert_sql(kn_arena_t *arena, size_t n)
{
    static const char head[] = "INSERT INTO inbound (party, msg_id, content_type, payload, "
                               "status, error_code, reason, events) VALUES ";
    static const char tail[] = " ON CONFLICT (party, msg_id) DO NOTHING RETURNING party, msg_id";
    size_t cap = sizeof head + sizeof tail + n * (S_COLS * 8 + 4);
    char *sql = kn_arena_alloc(arena, cap);
    if (!sql)
        return NULL;
    size_t used = (size_t)snprintf(sql, cap, "%s", head);
    for (size_t r = 0; r < n; r++) {
        size_t p = r * S_COLS;
        used += (size_t)snprintf(sql + used, cap - used,
                                 "%s($%zu,$%zu,$%zu,$%zu,$%zu,$%zu,$%zu,$%zu)", r ? "," : "",
                                 p + 1, p + 2, p + 3, p + 4, p + 5, p + 6, p + 7, p + 8);
    }
    snprintf(sql + used, cap - used, "%s", tail);
    return sql;
}

int kn_store_write(kn_store_t *self, kn_inbound_t *items, size_t n, kn_arena_t *arena,
                   char *errbuf, size_t errsize)
{
    if (!kn_store_connected(self)) {
        snprintf(errbuf, errsize, "not connected to PostgreSQL");
        return KN_EDB;
    }
    if (n == 0)
        return 0;
    int rc = KN_ENOMEM;
    bool pipeline = false;
    PGresult *res = NULL;
    size_t np = n * S_COLS;
    const char **values = kn_arena_calloc(arena, np, sizeof *values);
    int *lengths = kn_arena_calloc(arena, np, sizeof *lengths);
    int *formats = kn_arena_calloc(arena, np, sizeof *formats);
    char *sql = s_insert_sql(arena, n);
    if (!values || !lengths || !formats || !sql) {
        snprintf(errbuf, errsize, "out of memory");
        goto out;
    }
    for (size_t r = 0; r < n; r++) {
        kn_inbound_t *it = &items[r];
        const char **v = &values[r * S_COLS];
        it->duplicate = false;
        v[0] = it->party;
        v[1] = it->msg_id;
        v[2] = it->content_type;
        v[3] = it->payload ? it->payload : "";
        lengths[r * S_COLS + 3] = (int)it->payload_len;
        formats[r * S_COLS + 3] = 1; /* bytea, binary */
        v[4] = it->status == KN_INBOUND_ACCEPTED ? "accepted" : "rejected";
        v[5] = it->error_code;
        v[6] = s_utf8(arena, it->reason);
        v[7] = kn_arena_printf(arena, "%d", it->events);
        if (!v[7] || (it->reason && !v[6])) {
            snprintf(errbuf, errsize, "out of memory");
            goto out;
        }
    }

    /* One round trip: the statements up to the Sync form one implicit
     * transaction, committed when the Sync is answered; an error anywhere rolls
     * all of it back.  Later stages add their statements (events, state,
     * outbox) before the Sync. */
    if (!PQenterPipelineMode(self->conn)) {
        snprintf(errbuf, errsize, "cannot enter pipeline mode: %s", PQerrorMessage(self->conn));
        rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
        goto out;
    }
    pipeline = true;
    if (!PQsendQueryParams(self->conn, sql, (int)np, NULL, values, lengths, formats, 0) ||
        !PQpipelineSync(self->conn)) {
        snprintf(errbuf, errsize, "sending the batch: %s", PQerrorMessage(self->conn));
        rc = KN_EDB;
        goto out;
    }
    /* results: the INSERT, its NULL terminator, then the Sync */
    res = PQgetResult(self->conn);
    ExecStatusType st = PQresultStatus(res);
    bool inserted_ok = st == PGRES_TUPLES_OK;
    if (!inserted_ok)
        snprintf(errbuf, errsize, "writing %zu messages to inbound: %s", n,
                 res ? PQresultErrorMessage(res) : PQerrorMessage(self->conn));
    PGresult *r;
    bool synced = false;
    while (!synced && !s_connection_lost(self)) {
        r = PQgetResult(self->conn);
        if (!r)
            continue; /* end of one query's results */
        synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
    }
    if (!synced) {
        if (inserted_ok)
            snprintf(errbuf, errsize, "connection lost before the commit was confirmed: %s",
                     PQerrorMessage(self->conn));
        rc = KN_EDB;
        goto out;
    }
    PQexitPipelineMode(self->conn);
    pipeline = false;
    if (!inserted_ok) {
        rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
        goto out;
    }

    /* Committed.  Rows not returned were there already: read their outcome. */
    size_t with_id = 0;
    for (size_t i = 0; i < n; i++)
        with_id += items[i].msg_id != NULL;
    size_t returned = (size_t)PQntuples(res);
    rc = 0;
    if (returned < with_id) {
        kn_dedupe_t *fresh = kn_dedupe_new(arena, returned ? returned : 1);
        if (!fresh) {
            snprintf(errbuf, errsize, "out of memory");
            rc = KN_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < returned; i++) {
            if (PQgetisnull(res, (int)i, 1))
                continue;
            const char *id = PQgetvalue(res, (int)i, 1);
            kn_dedupe_add(fresh, PQgetvalue(res, (int)i, 0), id, strlen(id), (int64_t)i);
        }
        for (size_t i = 0; i < n && rc == 0; i++) {
            kn_inbound_t *it = &items[i];
            if (it->msg_id && kn_dedupe_find(fresh, it->party, it->msg_id, strlen(it->msg_id)) < 0)
                rc = s_read_stored(self, it, arena, errbuf, errsize);
        }
    }
out:
    PQclear(res);
    if (pipeline && !s_connection_lost(self))
        PQexitPipelineMode(self->conn);
    if (rc == KN_EDB)
        s_disconnect(self);
    return rc;
}
