#!/usr/bin/env bash
# The simulator's small day end to end: the real broker, kouan notify and
# kouan sink.  kouan sim write gives the day's messages as files (the
# terminal working the traditional way); kouan sim run sends the same day as
# the terminal, customs and tax over their own CURVE connections in simulated
# time, the terminal working each box as kouan's instructions say.  Asserted:
# no message lost (every one sent is stored and accepted, as many as the
# files), every box leaves the port exactly once (one gate-out per import,
# one load per export, at the time the flow says), the moves the terminal
# reports match the events stored box by box, the figures in kpi.json add up
# from the boxes, every notification reached the sink, and the report is
# written.
. "$(dirname "$0")/lib.sh"
kn_setup
kn_sink_start 3000
cat >> "$CONF" <<CONF

[sim]
terminal_key_file = xhct.key
customs_key_file = customs.key
tax_key_file = xmtax.key

[notify]
miniprogram_url = $SINK/miniprogram
timeout_ms = 2000

[inspection]
capacity_per_hour = 4
CONF
kn_db_start
kn_broker_start
"$KOUAN" notify -c "$CONF" >> "$WORK/notify.log" 2>&1 &
KN_PIDS+=($!)
SCENARIO=$KN_SOURCE_DIR/conf/scenarios/small.ini

out=$("$KOUAN" sim write "$SCENARIO" "$WORK/day") || fail "kouan sim write: $out"
assert_contains "$out" "for 1 vessel calls, 20 boxes" "the small scenario's day, as files"
n=$(ls "$WORK/day" | wc -l)
[ "$n" -gt 40 ] || fail "only $n messages"
for f in "$WORK"/day/*; do
    case $f in
    *-terminal-*) role=terminal ;; *-customs-*) role=customs ;; *) role=tax ;;
    esac
    "$KOUAN" parse --role $role "$f" >/dev/null || fail "$(basename "$f") does not read as $role"
done
pass "every file the simulator wrote reads with its party's adapter"

out=$("$KOUAN" sim run -c "$CONF" -o "$WORK/report" "$SCENARIO" 2> "$WORK/sim.err") ||
    fail "kouan sim run: $out $(cat "$WORK/sim.err")"
echo "$out"

# no message lost
assert_contains "$out" "$n messages sent" "kouan sim run sends as many messages as the files"
assert_contains "$out" "$n accepted, 0 refused" "every message accepted"
assert_eq "$n" "$(kn_psql "select count(*) from inbound where status = 'accepted'")" "and stored"
assert_eq "0" "$(kn_psql "select count(*) from event where has_warnings")" "no data-quality warnings"
assert_eq "20" "$(kn_psql "select count(distinct equipment_reference) from visit")" "a visit for every box"
assert_eq "0" "$(kn_psql "select count(*) from visit where route is null")" "and a route for each"
taken=$(echo "$out" | sed -n 's/.* \([0-9]*\) instructions taken.*/\1/p')
assert_eq "$(kn_psql "select count(*) from instruction where party = 'xhct'")" "$taken" \
    "the terminal took every instruction"
assert_eq "$taken" "$(kn_psql "select count(*) from instruction where party = 'xhct' and acked_at is not null")" \
    "and acknowledged each"

# every box leaves exactly once, when the flow says
CSV=$WORK/report/boxes.csv
[ -s "$CSV" ] || fail "no boxes.csv"
kn_psql "create table sim_box (flow text, container text, direction text, route text, moves int,
         reported int, in_at timestamptz, out_at timestamptz, yard_reason text)"
psql "$("$KOUAN" db -c "$CONF" conninfo)" -XAtq -v ON_ERROR_STOP=1 \
    -c "\\copy sim_box from '$CSV' with (format csv, header true)" || fail "boxes.csv does not load"
assert_eq "20" "$(kn_psql "select count(*) from sim_box where flow = 'smart' and out_at is not null")" \
    "every box left in the smart flow"
assert_eq "20" "$(kn_psql "select count(*) from sim_box where flow = 'traditional' and out_at is not null")" \
    "and in the traditional one"
exits="select b.container from sim_box b where b.flow = 'smart' and (select count(*) from event e
       where e.equipment_reference = b.container and not e.withdrawn
         and e.event_code = case b.direction when 'import' then 'GTOT' else 'LOAD' end) <> 1"
assert_eq "" "$(kn_psql "$exits")" "the broker stored exactly one exit per box"
late="select b.container from sim_box b join event e on e.equipment_reference = b.container
      and e.event_code = case b.direction when 'import' then 'GTOT' else 'LOAD' end
      where b.flow = 'smart' and e.event_datetime <> date_trunc('minute', b.out_at)"
assert_eq "" "$(kn_psql "$late")" "each at the time the flow let it out (EDIFACT times are to the minute)"
assert_eq "12" "$(kn_psql "select count(*) from visit where direction = 'import' and closed_at is not null")" \
    "every import visit closed at the gate"
assert_eq "0" "$(kn_psql "select count(*) from visit where direction = 'import' and closed_at is null")" \
    "and none opened again by a late report"
assert_eq "" "$(grep -v '^\[' "$WORK/sim.err")" "kouan sim run had nothing to warn about"

# the moves the terminal reports are the events stored, box by box
reported="select b.container from sim_box b where b.flow = 'smart' and b.reported <> (select count(*)
          from event e where e.equipment_reference = b.container and not e.withdrawn
          and e.event_code in ('DISC', 'LOAD', 'GTIN', 'GTOT'))"
assert_eq "" "$(kn_psql "$reported")" "crane and gate moves counted = DISC/LOAD/GTIN/GTOT events stored"
assert_eq "0" "$(kn_psql "select count(*) from sim_box where reported > moves + 1 or moves < 1")" \
    "every box was handled at least once"

# the figures in kpi.json add up from the boxes
JSON=$WORK/report/kpi.json
for flow in traditional smart; do
    want=$(kn_psql "select count(*) || ' ' || sum(moves) || ' ' || count(*) filter (where yard_reason <> '')
                    from sim_box where flow = '$flow'")
    got=$(python3 -c "import json,sys; f=json.load(open(sys.argv[1]))['flows'][sys.argv[2]]; print(f['boxes'], f['moves'], f['boxes_through_yard'])" "$JSON" $flow)
    assert_eq "$want" "$got" "kpi.json's $flow boxes, moves and yard boxes are the boxes'"
done
python3 - "$JSON" <<'PY' || fail "kpi.json does not show the smart flow saving moves and time"
import json, sys
k = json.load(open(sys.argv[1]))["flows"]
t, s = k["traditional"], k["smart"]
assert s["moves_per_box"] < t["moves_per_box"], (s["moves_per_box"], t["moves_per_box"])
assert s["dwell_median_min"] < t["dwell_median_min"], (s["dwell_median_min"], t["dwell_median_min"])
assert s["boxes_through_yard"] < t["boxes_through_yard"]
assert t["boxes_through_yard"] == t["boxes"]   # the traditional flow: every box through the yard
PY
pass "the smart flow takes fewer moves and less time than the traditional one on the same day"
grep -q '<svg' "$WORK/report/report.html" || fail "report.html has no chart"
assert_contains "$out" "report: $WORK/report/report.html" "the report's path is printed"

# every notification reached the sink
for _ in $(seq 1 300); do
    [ "$(kn_psql "select count(*) from outbox where status = 'pending'")" = 0 ] && break
    sleep 0.1
done
rows=$(kn_psql "select count(*) from outbox where endpoint = 'miniprogram'")
[ "$rows" -gt 20 ] || fail "only $rows status events for 20 boxes"
assert_eq "$rows" "$(kn_psql "select count(*) from outbox where endpoint = 'miniprogram' and status = 'delivered'")" \
    "every status event delivered"
unique=$(curl -fsS "$SINK/_sink/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['miniprogram']['unique'])")
assert_eq "$rows" "$unique" "each reached the sink, signature checked, exactly once"
