/* kouan why CONTAINER — the history of decisions for a box, in plain words:
 * for an officer or a terminal asking "why did this box go there". */
#include "cli.h"
#include "db.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_history[] =
    "SELECT to_char(d.decided_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'), "
    "d.action, coalesce(d.route, '-'), coalesce(d.reason, ''), d.rules, d.inputs::text, "
    "d.party, coalesce((SELECT e.detail->>'messageKind' FROM event e WHERE e.party = d.party "
    "AND e.msg_id = d.msg_id ORDER BY e.seq LIMIT 1), 'message'), coalesce(d.note, ''), "
    "coalesce(i.instruction_id, ''), coalesce(i.party, ''), "
    "coalesce(to_char(i.acked_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'), ''), "
    "d.decision_table "
    "FROM decision d LEFT JOIN instruction i ON i.instruction_id = d.instruction_id "
    "WHERE d.equipment_reference = $1 ORDER BY d.id";

static const char s_visits[] =
    "SELECT direction, phase, coalesce(route, '-'), "
    "to_char(opened_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), "
    "coalesce(to_char(closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), '') "
    "FROM visit WHERE equipment_reference = $1 ORDER BY id";

/* "direction":"import" → direction=import, for a line a person reads */
static void s_inputs(const char *json)
{
    printf("      given: ");
    for (const char *p = json; *p; p++) {
        if (*p == '{' || *p == '}' || *p == '"')
            continue;
        putchar(*p == ':' ? '=' : *p == ',' ? ' ' : *p);
    }
    putchar('\n');
}

int kn_cmd_why(int argc, char **argv)
{
    static const char usage[] =
        "usage: kouan why [-c FILE] CONTAINER\n"
        "  every decision taken for the box: when, on which message, the route,\n"
        "  the reason, the rules that fired and what they were given, and the\n"
        "  instruction sent to the terminal\n";
    const char *path = NULL;
    int first, got = kn_cli_args(argc, argv, usage, 1, &path, &first);
    if (got != 0)
        return got == -1 ? KN_EXIT_OK : KN_EXIT_USAGE;
    const char *box = argv[first];
    PGconn *conn;
    int opened = kn_cli_connect(path, "why", &conn, NULL);
    if (opened != KN_EXIT_OK)
        return opened;
    int rc = KN_EXIT_OK;
    const char *params[1] = {box};
    PGresult *visits = PQexecParams(conn, s_visits, 1, NULL, params, NULL, NULL, 0);
    PGresult *hist = PQexecParams(conn, s_history, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(visits) != PGRES_TUPLES_OK || PQresultStatus(hist) != PGRES_TUPLES_OK) {
        fprintf(stderr, "kouan why: %s", PQerrorMessage(conn));
        rc = KN_EXIT_FAILED;
        goto out;
    }
    if (PQntuples(visits) == 0 && PQntuples(hist) == 0) {
        printf("%s: kouan has taken no decision for this box\n", box);
        rc = KN_EXIT_REFUSED;
        goto out;
    }
    for (int v = 0; v < PQntuples(visits); v++) {
        const char *closed = PQgetvalue(visits, v, 4);
        printf("%s: %s visit opened %s, %s %s, route %s\n", box, PQgetvalue(visits, v, 0),
               PQgetvalue(visits, v, 3), *closed ? "closed" : "now",
               *closed ? closed : PQgetvalue(visits, v, 1), PQgetvalue(visits, v, 2));
    }
    for (int r = 0; r < PQntuples(hist); r++) {
        const char *action = PQgetvalue(hist, r, 1);
        printf("  %s  after %s's %s: ", PQgetvalue(hist, r, 0), PQgetvalue(hist, r, 6),
               PQgetvalue(hist, r, 7));
        if (!strcmp(action, "CLOSE"))
            printf("the visit closed\n");
        else if (!strcmp(action, "WITHDRAW"))
            printf("the instruction was withdrawn\n");
        else
            printf("route %s — %s\n", PQgetvalue(hist, r, 2), PQgetvalue(hist, r, 3));
        printf("      decided by %s, rule %s\n", PQgetvalue(hist, r, 12),
               *PQgetvalue(hist, r, 4) ? PQgetvalue(hist, r, 4) : "(none matched: fallback)");
        s_inputs(PQgetvalue(hist, r, 5));
        if (*PQgetvalue(hist, r, 8))
            printf("      note: %s\n", PQgetvalue(hist, r, 8));
        if (*PQgetvalue(hist, r, 9))
            printf("      instruction %s to %s, %s\n", PQgetvalue(hist, r, 9),
                   PQgetvalue(hist, r, 10),
                   *PQgetvalue(hist, r, 11) ? "acknowledged" : "not acknowledged yet");
    }
out:
    PQclear(visits);
    PQclear(hist);
    PQfinish(conn);
    return rc;
}
