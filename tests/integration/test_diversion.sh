#!/usr/bin/env bash
# Smart cloud diversion through the broker: the samples' vessel call gives the
# routes stated in samples/README.md, the terminal gets one KN10051 instruction
# per route decided, every decision is stored with its rules and inputs, and
# the same messages in another order end in the same routes.
. "$(dirname "$0")/lib.sh"
kn_setup
kn_db_start
kn_broker_start
S=$KN_SAMPLES_DIR

as_customs() { "$KOUAN" send -c "$CONF" -q --keep -k "$WORK/customs.key" "$@" >/dev/null; }
as_tax() { "$KOUAN" send -c "$CONF" -q --keep -k "$WORK/xmtax.key" "$@" >/dev/null; }
as_terminal() { "$KOUAN" send -c "$CONF" -q --keep "$@" >/dev/null; }
routes() { kn_psql "select equipment_reference || '=' || coalesce(route, '-') from visit where closed_at is null order by 1" | tr '\n' ' '; }
expected="COSU6123451=DIRECT_PICKUP CSNU7041125=SCAN_LANE OOLU8890211=INSPECTION_AREA "

# the declaration is filed before the vessel arrives: customs and tax first
as_customs "$S/customs/clm10041-discharge-instruction.xml"
as_customs "$S/customs/clm10021-inspection-order.xml" "$S/customs/clm10021-inspection-order-gbk.xml"
as_customs "$S/customs/clm10011-release.xml"
as_tax "$S/tax/duty-paid.xml" "$S/tax/guarantee-accepted.xml"
assert_eq "$expected" "$(routes)" "routes planned before discharge"
as_terminal "$S/terminal/coarri-discharge.edi"
assert_eq "$expected" "$(routes)" "routes after the discharge report"
assert_eq "RELEASED|AT_INSPECTION|AT_INSPECTION" \
    "$(kn_psql "select string_agg(phase, '|' order by equipment_reference) from visit")" "phases"

# the terminal is told, once per route decided
mkdir -p "$WORK/in"
timeout 30 "$KOUAN" recv -c "$CONF" --idle 3 "$WORK/in" >/dev/null
for box in COSU6123451 CSNU7041125 OOLU8890211; do
    last=$WORK/in/$(ls "$WORK/in" | grep "^KN-$box-" | sort -t- -k3,3n -k4,4n | tail -n 1)
    route=$(sed -n 's:.*<ROUTE>\(.*\)</ROUTE>.*:\1:p' "$last")
    assert_contains "$expected" "$box=$route" "$box: the terminal's latest instruction says $route"
done
# customs is told the inspection slot over its own connection
mkdir -p "$WORK/customs-in"
timeout 30 "$KOUAN" recv -c "$CONF" -k "$WORK/customs.key" --idle 3 "$WORK/customs-in" >/dev/null
# (planned at 08:00 before the vessel came, moved to 09:00 when the box was
# discharged at 08:19: two slots, two messages)
assert_eq "2" "$(ls "$WORK/customs-in" | wc -l)" "customs gets a message per slot given"
# (names sort by their own fields, not the directory's, which may hold '-')
last=$WORK/customs-in/$(ls "$WORK/customs-in" | grep '^KN-OOLU8890211-' | sort -t- -k3,3n -k4,4n | tail -n 1)
assert_contains "$(cat "$last")" "<SLOT_START>2026-11-22T09:00:00+08:00</SLOT_START>" "customs is told the slot"
assert_contains "$(cat "$last")" "<RECEIVER>customs-3701</RECEIVER>" "addressed to customs"
assert_eq "$(kn_psql "select count(*) from instruction")" "$(kn_psql "select count(*) from instruction where acked_at is not null")" "every instruction acknowledged"
assert_eq "$(kn_psql "select count(*) from decision where action = 'SEND'")" "$(kn_psql "select count(*) from instruction where party = 'xhct'")" "one instruction to the terminal per SEND decision"
assert_contains "$(kn_psql "select rules || ' ' || inputs::text from decision where equipment_reference = 'CSNU7041125' order by id desc limit 1")" \
    'imp_scan {"direction":"import","declaredBeforeArrival":true,"customsInstruction":"inspect","examType":"scan"' "the decision says which rule fired and what it was given"
assert_eq "SCAN_LANE" "$(kn_psql "select route from instruction where equipment_reference = 'CSNU7041125' order by id desc limit 1")" "instruction rows carry the route"

# inspection without appointment: the box for the inspection area gets the
# first hour it can be there (discharged 08:19, 30 minutes to move it: 09:00)
slot="XHCT inspection area|2026-11-22 09:00:00+08"
slot_of() { kn_psql "select slot_area || '|' || to_char(slot_start at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') || '+08' from visit where equipment_reference = '$1' and closed_at is null"; }
assert_eq "$slot" "$(slot_of OOLU8890211)" "the inspection box's slot, kept on its visit"
assert_eq "" "$(slot_of CSNU7041125)" "no slot for the scan lane"
last=$WORK/in/$(ls "$WORK/in" | grep "^KN-OOLU8890211-" | sort -t- -k3,3n -k4,4n | tail -n 1)
assert_contains "$(cat "$last")" "<INSPECTION_AREA>XHCT inspection area</INSPECTION_AREA>" "the terminal is told the area"
assert_contains "$(cat "$last")" "<SLOT_START>2026-11-22T09:00:00+08:00</SLOT_START>" "and the slot's start"
assert_contains "$(cat "$last")" "<SLOT_END>2026-11-22T10:00:00+08:00</SLOT_END>" "and its end"
assert_contains "$("$KOUAN" why -c "$CONF" OOLU8890211)" "inspection slot 2026-11-22 09:00-10:00 in XHCT inspection area" "why: the slot"

# kouan why: the history in plain words
out=$("$KOUAN" why -c "$CONF" CSNU7041125)
assert_contains "$out" "CSNU7041125: import visit opened" "why: the visit"
assert_contains "$out" "after customs-3701's CLM10021: route SCAN_LANE — machine scan (H986) ordered: straight to the scan lane" "why: which message led to which route, and the reason"
assert_contains "$out" "decided by diversion, rule imp_scan" "why: the rule that fired"
assert_contains "$out" "given: direction=import declaredBeforeArrival=true customsInstruction=inspect examType=scan" "why: what the rule was given"
assert_contains "$out" "acknowledged" "why: the instruction and whether the terminal has it"
out=$("$KOUAN" why -c "$CONF" ZZZU0000000) && rc=0 || rc=$?
assert_eq 1 "$rc" "why: an unknown box exits 1"

# gate-out closes the visit
as_terminal "$S/terminal/codeco-gate-out-import.edi"
assert_eq "2" "$(kn_psql "select count(*) from visit where closed_at is not null")" "the two boxes gated out are closed"
assert_eq "OOLU8890211" "$(kn_psql "select string_agg(equipment_reference, ' ') from visit where closed_at is null")" "and only the box still at inspection stays open"
assert_eq "3" "$(kn_psql "select count(*) from visit")" "one visit per box"

# the same messages in another order: discharge first, release before the
# discharge instruction — with one visit kept in memory, so every batch
# rebuilds the others from the database
kill -TERM "$BROKER_PID"; kn_broker_wait
kn_psql "truncate inbound, event, visit, decision, instruction"
sed -i 's/^linger_ms = 500$/linger_ms = 500\nvisit_cache = 1/' "$CONF"
kn_broker_start
as_terminal "$S/terminal/coarri-discharge.edi"
as_customs "$S/customs/clm10011-release.xml"
as_tax "$S/tax/guarantee-accepted.xml" "$S/tax/duty-paid.xml"
as_customs "$S/customs/clm10021-inspection-order-gbk.xml" "$S/customs/clm10021-inspection-order.xml"
as_customs "$S/customs/clm10041-discharge-instruction.xml"
assert_eq "$expected" "$(routes)" "another order, the same routes"
assert_eq "$slot" "$(slot_of OOLU8890211)" "another order, the same slot"

# a restart rebuilds the visits from the database: nothing is sent again
before=$(kn_psql "select count(*) from instruction")
kill -TERM "$BROKER_PID"; kn_broker_wait
kn_broker_start
as_customs "$S/customs/clm10041-discharge-instruction.xml" # a resend: applied once
as_tax "$S/tax/duty-paid.xml"
assert_eq "$before" "$(kn_psql "select count(*) from instruction")" "after a restart, no route changed, no new instruction"
assert_eq "$expected" "$(routes)" "and the routes stand"
assert_eq "$slot" "$(slot_of OOLU8890211)" "and the slot stands"

# tax paid before any box of the bill is known, then a restart: the broker
# must still find those payments when the boxes arrive (it looks up a box it
# has never seen only when the database may know it or its bill); every visit
# stays in memory again, so a box decided without its past would stay wrong
kill -TERM "$BROKER_PID"; kn_broker_wait
kn_psql "truncate inbound, event, visit, decision, instruction"
sed -i '/^visit_cache = 1$/d' "$CONF"
kn_broker_start
as_tax "$S/tax/duty-paid.xml" "$S/tax/guarantee-accepted.xml"
assert_eq "0" "$(kn_psql "select count(*) from visit")" "tax payments alone open no visit"
kill -TERM "$BROKER_PID"; kn_broker_wait
kn_broker_start
as_customs "$S/customs/clm10041-discharge-instruction.xml"
as_customs "$S/customs/clm10021-inspection-order.xml" "$S/customs/clm10021-inspection-order-gbk.xml"
as_customs "$S/customs/clm10011-release.xml"
as_terminal "$S/terminal/coarri-discharge.edi"
assert_eq "$expected" "$(routes)" "payments made before the restart still count"

# a decision is put down to the message that changed it, not to whichever
# message of the same batch came last: the inspection order, then the same
# discharge instruction again under a new id (which changes nothing)
kill -TERM "$BROKER_PID"; kn_broker_wait
kn_psql "truncate inbound, event, visit, decision, instruction"
kn_broker_start
as_customs "$S/customs/clm10041-discharge-instruction.xml"
sed 's/37012611220001000041/37012611220001000042/' "$S/customs/clm10041-discharge-instruction.xml" > "$WORK/clm10041-again.xml"
as_customs "$S/customs/clm10021-inspection-order-gbk.xml" "$WORK/clm10041-again.xml"
assert_eq "$(kn_msg_id "$S/customs/clm10021-inspection-order-gbk.xml")" \
    "$(kn_psql "select msg_id from decision where equipment_reference = 'OOLU8890211' and route = 'INSPECTION_AREA' order by id limit 1")" \
    "the inspection route is put down to the inspection order"
