#!/usr/bin/env bash
# The simulator's day through the real broker: kouan sim writes the small
# scenario's messages, each party sends its own in time order, and every one
# is accepted, read and decided — one visit per box, a route for each.
. "$(dirname "$0")/lib.sh"
kn_setup
kn_db_start
kn_broker_start

DAY=$WORK/day
out=$("$KOUAN" sim write "$KN_SOURCE_DIR/conf/scenarios/small.ini" "$DAY") || fail "kouan sim write: $out"
assert_contains "$out" "for 1 vessel calls, 20 boxes" "the small scenario's day"
n=$(ls "$DAY" | wc -l)
[ "$n" -gt 40 ] || fail "only $n messages"

# each file as the party it names, in the order they sort (= sent)
for f in "$DAY"/*; do
    case "$(basename "$f")" in
        *-terminal-*) key=xhct ;;
        *-customs-*) key=customs ;;
        *-tax-*) key=xmtax ;;
        *) fail "whose is $f?" ;;
    esac
    "$KOUAN" send -c "$CONF" -q --keep -k "$WORK/$key.key" "$f" >/dev/null ||
        fail "$(basename "$f") was not accepted: $(cat "$f.reason" 2>/dev/null)"
done
assert_eq "$n" "$(kn_psql "select count(*) from inbound where status = 'accepted'")" "every message accepted"
assert_eq "0" "$(kn_psql "select count(*) from event where has_warnings")" "no data-quality warnings"
assert_eq "20" "$(kn_psql "select count(distinct equipment_reference) from visit")" "a visit for every box"
assert_eq "0" "$(kn_psql "select count(*) from visit where route is null")" "and a route for each"
assert_eq "12" "$(kn_psql "select count(*) from visit where direction = 'import' and closed_at is not null")" \
    "every import box left through the gate: its visit is closed"
