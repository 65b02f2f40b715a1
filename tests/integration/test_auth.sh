#!/usr/bin/env bash
# An unknown key is refused and logged; nothing is stored.  A bad
# configuration is refused naming file and line.
. "$(dirname "$0")/lib.sh"
kn_setup
kn_db_start
kn_broker_start

( cd "$WORK" && "$KOUAN" keygen stranger >/dev/null )
err=$(kn_send --keep -k "$WORK/stranger.key" -T 10 "$KN_SAMPLES_DIR/terminal/coarri-discharge.edi" 2>&1) && rc=0 || rc=$?
assert_eq 3 "$rc" "send with an unknown key exits 3"
assert_contains "$err" "the broker refused this party's key" "the client says why"
stranger=$(head -c 40 "$WORK/stranger.pub")
assert_contains "$(cat "$WORK/broker.log")" "zap: refused unknown client key=$stranger" "the broker logs the key it refused"
assert_eq 0 "$(kn_psql "select count(*) from inbound")" "nothing stored"

# a client that does not know the broker's real key cannot even handshake
( cd "$WORK" && "$KOUAN" keygen impostor >/dev/null )
err=$(kn_send --keep -s "$WORK/impostor.pub" -T 3 "$KN_SAMPLES_DIR/terminal/coarri-discharge.edi" 2>&1) && rc=0 || rc=$?
assert_eq 3 "$rc" "send to a broker with another key gives up"
assert_eq 0 "$(kn_psql "select count(*) from inbound")" "still nothing stored"

# a known key still works
kn_send --keep "$KN_SAMPLES_DIR/terminal/coarri-discharge.edi" >/dev/null
assert_eq 1 "$(kn_psql "select count(*) from inbound")" "the configured party gets in"

# broker -t: a bad file is refused with file and line
cp "$CONF" "$WORK/bad.conf"
sed -i 's/^format = edifact$/format = cobol/' "$WORK/bad.conf"
err=$("$KOUAN" broker -t -c "$WORK/bad.conf" 2>&1) && rc=0 || rc=$?
assert_eq 2 "$rc" "broker -t exits 2 on a bad file"
line=$(grep -n '^format = cobol' "$WORK/bad.conf" | cut -d: -f1)
assert_contains "$err" "bad.conf:$line: [party.xhct]: format = cobol: no reader for a terminal party (formats: edifact, vessel-xml)" "the error names file, line and what is wrong"
out=$("$KOUAN" broker -t -c "$CONF")
assert_contains "$out" "configuration is valid" "broker -t accepts a good file"
chmod 644 "$WORK/broker.key"
err=$("$KOUAN" broker -t -c "$CONF" 2>&1) && rc=0 || rc=$?
assert_eq 2 "$rc" "a secret key open to others is refused"
assert_contains "$err" "is open to group or others" "and says so"
chmod 600 "$WORK/broker.key"
