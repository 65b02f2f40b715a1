#!/usr/bin/env bash
# kouan db migrate is idempotent; a broker started before the schema exists
# waits for it; SIGHUP reloads parties (a bad file is refused and the running
# configuration kept); SIGTERM drains.
. "$(dirname "$0")/lib.sh"
kn_setup
"$KOUAN" db -c "$CONF" start >/dev/null || fail "cannot start the private PostgreSQL"

# broker before migrate: connects, says what to do, keeps trying
env "$KOUAN" broker -c "$CONF" >> "$WORK/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 1 100); do grep -q "run kouan db migrate" "$WORK/broker.log" && break; sleep 0.05; done
assert_contains "$(cat "$WORK/broker.log")" "database schema is at version 0, this kouan needs" "broker says the schema is missing"
out=$("$KOUAN" db -c "$CONF" migrate)
assert_contains "$out" "applied 001_inbound.sql" "migrate applies the migrations"
out=$("$KOUAN" db -c "$CONF" migrate)
assert_contains "$out" "(0 migrations applied)" "migrate twice changes nothing"
tables=$(kn_psql "select count(*) from kouan_schema")
out=$("$KOUAN" db -c "$CONF" migrate)
assert_eq "$tables" "$(kn_psql "select count(*) from kouan_schema")" "versions recorded once"
for _ in $(seq 1 200); do grep -q "database connected" "$WORK/broker.log" && break; sleep 0.05; done
assert_contains "$(cat "$WORK/broker.log")" "database connected" "broker picks the schema up by itself"
kn_send --keep "$KN_SAMPLES_DIR/terminal/coarri-discharge.edi" >/dev/null
pass "broker serves once the schema is there"

# SIGHUP: a new party is let in without a restart
( cd "$WORK" && "$KOUAN" keygen xhct2 >/dev/null )
err=$(kn_send --keep -k "$WORK/xhct2.key" -T 2 "$KN_SAMPLES_DIR/terminal/codeco-gate-in-export.edi" 2>&1) && rc=0 || rc=$?
assert_eq 3 "$rc" "the new party is unknown before the reload"
cat >> "$CONF" <<CONF

[party.xhct2]
role = terminal
format = edifact
public_key_file = xhct2.pub
CONF
kill -HUP "$BROKER_PID"
for _ in $(seq 1 100); do grep -q "configuration reloaded parties=4" "$WORK/broker.log" && break; sleep 0.05; done
assert_contains "$(cat "$WORK/broker.log")" "configuration reloaded parties=4" "SIGHUP reloads"
kn_send --keep -k "$WORK/xhct2.key" "$KN_SAMPLES_DIR/terminal/codeco-gate-in-export.edi" >/dev/null
assert_eq 1 "$(kn_psql "select count(*) from inbound where party='xhct2'")" "the new party is served after the reload"

# SIGHUP reloads the rules; a bad table is refused naming file, rule and cell
cp "$KN_SOURCE_DIR/rules/diversion.dmn" "$WORK/rules.dmn"
sed -i "s|^secret_key_file = broker.key$|secret_key_file = broker.key\nrules_file = rules.dmn|" "$CONF"
kill -HUP "$BROKER_PID"
for _ in $(seq 1 100); do grep -q "rules=$WORK/rules.dmn" "$WORK/broker.log" && break; sleep 0.05; done
assert_contains "$(cat "$WORK/broker.log")" "configuration reloaded parties=4 rules=$WORK/rules.dmn" "rules loaded from the file on SIGHUP"
sed -i '0,/<inputEntry><text>"scan"<\/text><\/inputEntry>/s//<inputEntry><text>[1..<\/text><\/inputEntry>/' "$WORK/rules.dmn"
kill -HUP "$BROKER_PID"
for _ in $(seq 1 100); do grep -q "rules: dmn: $WORK/rules.dmn" "$WORK/broker.log" && break; sleep 0.05; done
assert_contains "$(cat "$WORK/broker.log")" "reload refused, keeping the running configuration and rules: dmn: $WORK/rules.dmn: rule 4 (imp_scan_dg) input 4 (examType): cannot parse" "a bad table is refused with file, rule and cell"
err=$("$KOUAN" broker -t -c "$CONF" 2>&1) && rc=0 || rc=$?
assert_eq 2 "$rc" "broker -t refuses the bad table"
assert_contains "$err" "rule 4 (imp_scan_dg) input 4 (examType)" "and names the cell"
kn_send --keep "$KN_SAMPLES_DIR/terminal/codeco-gate-in-export.edi" >/dev/null
pass "the broker keeps serving with the rules it had"
cp "$KN_SOURCE_DIR/rules/diversion.dmn" "$WORK/rules.dmn"

# a bad file on reload: refused, the running configuration stays
cp "$CONF" "$WORK/good.conf"
echo "[party.broken]" >> "$CONF"
echo "role = ship" >> "$CONF"
kill -HUP "$BROKER_PID"
for _ in $(seq 1 100); do grep -q "reload refused" "$WORK/broker.log" && break; sleep 0.05; done
assert_contains "$(cat "$WORK/broker.log")" "reload refused, keeping the running configuration and rules: $CONF:" "a bad reload is refused with file and line"
"$KOUAN" send -c "$WORK/good.conf" --keep "$KN_SAMPLES_DIR/terminal/codeco-gate-out-import.edi" >/dev/null
pass "the broker still serves after a refused reload"

kill -TERM "$BROKER_PID"; kn_broker_wait
assert_eq 0 "$BROKER_STATUS" "SIGTERM: clean exit"
