#!/usr/bin/env bash
# The simulator's day through the real broker.  kouan sim write gives the
# small scenario's messages as files; kouan sim run sends the same day as the
# terminal, customs and tax over their own CURVE connections, in time order,
# and takes the terminal's instructions: every message is accepted, read and
# decided — a visit and a route for every box, each import gone through the
# gate — and the routes the terminal was told are those the broker decided.
. "$(dirname "$0")/lib.sh"
kn_setup
cat >> "$CONF" <<CONF

[sim]
terminal_key_file = xhct.key
customs_key_file = customs.key
tax_key_file = xmtax.key
CONF
kn_db_start
kn_broker_start
SCENARIO=$KN_SOURCE_DIR/conf/scenarios/small.ini

out=$("$KOUAN" sim write "$SCENARIO" "$WORK/day") || fail "kouan sim write: $out"
assert_contains "$out" "for 1 vessel calls, 20 boxes" "the small scenario's day, as files"
n=$(ls "$WORK/day" | wc -l)
[ "$n" -gt 40 ] || fail "only $n messages"
"$KOUAN" parse --role customs "$(ls "$WORK"/day/*-customs-clm10041-* | head -n 1)" >/dev/null ||
    fail "a generated CLM10041 does not read"

out=$("$KOUAN" sim run -c "$CONF" "$SCENARIO") || fail "kouan sim run: $out"
assert_contains "$out" "$n messages sent" "kouan sim run sends the same day"
assert_contains "$out" "$n accepted, 0 refused" "every message accepted"
assert_eq "$n" "$(kn_psql "select count(*) from inbound where status = 'accepted'")" "and stored"
assert_eq "0" "$(kn_psql "select count(*) from event where has_warnings")" "no data-quality warnings"
assert_eq "20" "$(kn_psql "select count(distinct equipment_reference) from visit")" "a visit for every box"
assert_eq "0" "$(kn_psql "select count(*) from visit where route is null")" "and a route for each"
assert_eq "12" "$(kn_psql "select count(*) from visit where direction = 'import' and closed_at is not null")" \
    "every import box left through the gate: its visit is closed"
taken=$(echo "$out" | sed -n 's/.* \([0-9]*\) instructions taken.*/\1/p')
assert_eq "$(kn_psql "select count(*) from instruction where party = 'xhct'")" "$taken" \
    "the terminal took every instruction"
assert_eq "$taken" "$(kn_psql "select count(*) from instruction where party = 'xhct' and acked_at is not null")" \
    "and acknowledged each"
assert_contains "$out" "import boxes 12:" "where the import boxes went"
assert_contains "$out" "export boxes 8: LOADING_STACK 8" "every export box straight to the loading stack"
