#!/usr/bin/env bash
# Instructions back to a party: delivered over OUT to the connection that said
# READY, written to files by kouan recv, redelivered until an OUTACK comes, and
# only ever to the party they are for.
. "$(dirname "$0")/lib.sh"
kn_setup
sed -i 's/^linger_ms = 500$/linger_ms = 500\nredeliver_ms = 500/' "$CONF"
kn_db_start
kn_broker_start

instruct() { # instruction-id container route
    kn_psql "insert into instruction (party, instruction_id, equipment_reference, route, content_type, payload)
             values ('xhct', '$1', '$2', '$3', 'application/xml',
                     convert_to('<MESSAGE><MESSAGE_HEAD><MESSAGE_ID>$1</MESSAGE_ID></MESSAGE_HEAD><MESSAGE_LIST><DIVERSION_INFO><CONTA_NO>$2</CONTA_NO><ROUTE>$3</ROUTE></DIVERSION_INFO></MESSAGE_LIST></MESSAGE>', 'UTF8'))"
}
instruct KN-1 CSNU7041125 SCAN_LANE
# a real KN10051 diversion instruction (adapters/instruction.c wrote it)
xml=$KN_SOURCE_DIR/tests/adapters/data/instruction-inspection.xml
psql "$("$KOUAN" db -c "$CONF" conninfo)" -XAtq -v ON_ERROR_STOP=1 -v xml="$(cat "$xml")" <<'SQL'
insert into instruction (party, instruction_id, equipment_reference, route, content_type, payload)
values ('xhct', 'KN-000000124', 'TGHU8812348', 'INSPECTION_AREA', 'application/xml', convert_to(:'xml' || E'\n', 'UTF8'));  -- $(cat) dropped the last newline
SQL

# a receiver that does not acknowledge: it gets them, the broker keeps them open
mkdir -p "$WORK/peek" "$WORK/in" "$WORK/other"
out=$(timeout 20 "$KOUAN" recv -c "$CONF" --no-ack --count 2 "$WORK/peek")
assert_contains "$out" "received  KN-1  $WORK/peek/KN-1.xml" "first instruction written"
cmp -s "$xml" "$WORK/peek/KN-000000124.xml" || fail "the file is not the instruction as sent"
pass "the file holds the instruction as sent, byte for byte"
assert_eq "0" "$(kn_psql "select count(*) from instruction where acked_at is not null")" "not acknowledged, so still open"

# another party's receiver never sees them
timeout 20 "$KOUAN" recv -c "$CONF" -k "$WORK/customs.key" --idle 2 "$WORK/other" >/dev/null
assert_eq 0 "$(ls "$WORK/other" | wc -l)" "customs does not receive the terminal's instructions"

# redelivered to the next receiver, which acknowledges them
out=$(timeout 20 "$KOUAN" recv -c "$CONF" --count 2 "$WORK/in")
assert_eq 2 "$(ls "$WORK/in" | wc -l)" "both redelivered"
for _ in $(seq 1 50); do
    [ "$(kn_psql "select count(*) from instruction where acked_at is not null")" = 2 ] && break
    sleep 0.1
done
assert_eq 2 "$(kn_psql "select count(*) from instruction where acked_at is not null")" "OUTACK recorded"
assert_eq "t" "$(kn_psql "select bool_and(attempts >= 2) from instruction")" "each was sent more than once"

# a new one reaches a waiting receiver within a second or two; nothing acknowledged comes again
timeout 20 "$KOUAN" recv -c "$CONF" --count 1 "$WORK/in" > "$WORK/recv3.out" &
rpid=$!
sleep 1
instruct KN-3 COSU6123451 DIRECT_PICKUP
wait "$rpid" || fail "receiver did not get the new instruction"
assert_contains "$(cat "$WORK/recv3.out")" "received  KN-3" "new instruction delivered to a waiting receiver"
assert_eq 1 "$(grep -c received "$WORK/recv3.out")" "acknowledged ones are not sent again"
