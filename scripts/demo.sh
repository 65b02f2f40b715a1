#!/usr/bin/env bash
# The demo: a private PostgreSQL, the broker, kouan notify and kouan sink (as
# the agents' mini-program backend, the SMS gateway and EMS), and the shared
# sample messages sent through the real wire protocol (CURVE) by the parties
# that would send them; then what was stored and refused, with the reasons,
# where each box goes and why, what the agents were told, and a certificate of
# origin mailed by EMS; then a simulated port day through the broker and the
# KPI report of the smart flow against the traditional one (kept in report/).
# Everything runs in a temporary directory and is shut down at the end.
set -euo pipefail

KOUAN=$(realpath "${1:-build/kouan}")
SRC=$(cd "$(dirname "$0")/.." && pwd)
SAMPLES=${KN_SAMPLES_DIR:-$SRC/../shared/samples}
[ -d "$SAMPLES" ] || { echo "demo: no sample messages at $SAMPLES" >&2; exit 1; }
SAMPLES=$(realpath "$SAMPLES")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kouan-demo-XXXXXX")
chmod 755 "$WORK"
CONF=$WORK/kouan.conf
REPORT=${KN_REPORT_DIR:-$SRC/report} # the KPI report outlives the demo's directory
BROKER_PID=
NOTIFY_PID=
SINK_PID=
API_PID=

cleanup() {
    for pid in $API_PID $NOTIFY_PID $SINK_PID $BROKER_PID; do
        kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    "$KOUAN" db -c "$CONF" stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "keys and configuration ($WORK)"
( cd "$WORK" && for n in broker xhct customs-3701 xmtax; do "$KOUAN" keygen "$n" >/dev/null; done )
cat > "$CONF" <<CONF
[broker]
bind = ipc://$WORK/broker.sock
secret_key_file = broker.key

[database]
data_dir = pgdata

[client]
broker = ipc://$WORK/broker.sock
server_public_key_file = broker.pub
resend_ms = 500
timeout_s = 60

# Xiamen Haitian container terminal
[party.xhct]
role = terminal
format = edifact
public_key_file = xhct.pub

# Xiamen customs district 3701
[party.customs-3701]
role = customs
format = customs-xml
public_key_file = customs-3701.pub

# Xiamen tax bureau
[party.xmtax]
role = tax
format = tax-xml
public_key_file = xmtax.pub

# the inspection area, as conf/scenarios/default.ini has it (kouan sim run
# warns when the broker's and the scenario's differ)
[inspection]
capacity_per_hour = 6
opens_hour = 8
closes_hour = 20
lead_minutes = 30

# kouan sim run sends the simulated day as these parties
[sim]
terminal_key_file = xhct.key
customs_key_file = customs-3701.key
tax_key_file = xmtax.key

# kouan sink plays the mini-program backend, the SMS gateway and EMS
[sink]
listen = 127.0.0.1:0
record_file = sink.jsonl

[notify]
miniprogram_secret_file = miniprogram.secret
sms_secret_file = sms.secret
ems_key_file = ems.key
ems_sender_no = 1100000000001
ems_authorization = demo
CONF
printf 'whsec_%s\n' "$(head -c 24 /dev/urandom | base64)" > "$WORK/miniprogram.secret"
printf 'whsec_%s\n' "$(head -c 24 /dev/urandom | base64)" > "$WORK/sms.secret"
head -c 16 /dev/urandom | base64 > "$WORK/ems.key"
head -c 32 /dev/urandom > "$WORK/certificate.key"
chmod 600 "$WORK"/*.secret "$WORK"/*.key
"$KOUAN" broker -t -c "$CONF"

step "private PostgreSQL"
"$KOUAN" db -c "$CONF" start
"$KOUAN" db -c "$CONF" migrate

step "kouan sink: the mini-program backend, the SMS gateway and EMS, on loopback"
"$KOUAN" sink -c "$CONF" > "$WORK/sink.out" 2> "$WORK/sink.log" &
SINK_PID=$!
for _ in $(seq 1 200); do [ -s "$WORK/sink.out" ] && break; sleep 0.05; done
cat "$WORK/sink.out"
SINK=http://$(sed -n 's/^sink listening on //p' "$WORK/sink.out")
printf '\n[notify]\nminiprogram_url = %s/miniprogram\nsms_url = %s/sms\nems_url = %s/ems\n' \
    "$SINK" "$SINK" "$SINK" >> "$CONF"

step "broker"
"$KOUAN" broker -c "$CONF" 2> "$WORK/broker.log" &
BROKER_PID=$!
for _ in $(seq 1 200); do grep -q "database connected" "$WORK/broker.log" && break; sleep 0.05; done
grep -q "database connected" "$WORK/broker.log" || { cat "$WORK/broker.log"; exit 1; }
echo "broker $BROKER_PID listening on ipc://$WORK/broker.sock"
"$KOUAN" notify -c "$CONF" 2> "$WORK/notify.log" &
NOTIFY_PID=$!
echo "kouan notify $NOTIFY_PID delivering the outbox"
printf '\n[api]\nlisten = 127.0.0.1:0\n' >> "$CONF"
"$KOUAN" api -c "$CONF" > "$WORK/api.out" 2> "$WORK/api.log" &
API_PID=$!
for _ in $(seq 1 200); do [ -s "$WORK/api.out" ] && break; sleep 0.05; done
API=http://$(sed -n 's/^api listening on //p' "$WORK/api.out")
echo "kouan api $API_PID on $API"

# Each party sends its own files (and the bad ones of its kind) from a spool.
send_as() { # party key-name files...
    local party=$1 spool=$WORK/spool/$1
    shift
    mkdir -p "$spool"
    cp "$@" "$spool/"
    step "kouan send as $party"
    "$KOUAN" send -c "$CONF" -k "$WORK/$party.key" "$spool" | sed "s|$spool/||" || true
}
# In the order of a port day: the declaration is filed before the vessel
# arrives (customs, tax), then the terminal reports the discharge and the gates.
send_as customs-3701 "$SAMPLES"/customs/*.xml "$SAMPLES"/bad/*.xml
send_as xmtax "$SAMPLES"/tax/*.xml
send_as xhct "$SAMPLES"/terminal/*.edi "$SAMPLES"/bad/*.edi

step "stored in inbound"
psql "$("$KOUAN" db -c "$CONF" conninfo)" -X -P pager=off -c "
    SELECT party, status, count(*) AS messages, sum(length(payload)) AS bytes, sum(events) AS events
    FROM inbound GROUP BY party, status ORDER BY party, status"

step "canonical events (DCSA codes), by kind"
psql "$("$KOUAN" db -c "$CONF" conninfo)" -X -P pager=off -c "
    SELECT event_type, event_code, count(*) AS events,
           string_agg(DISTINCT coalesce(equipment_reference, vessel_imo), ' ') AS boxes_or_vessels,
           count(*) FILTER (WHERE has_warnings) AS with_warnings
    FROM event GROUP BY 1, 2 ORDER BY 1, 2"

step "refused, with the reasons (kept raw in inbound)"
psql "$("$KOUAN" db -c "$CONF" conninfo)" -X -P pager=off -c "
    SELECT party, left(msg_id, 12) AS msg_id, error_code, reason FROM inbound
    WHERE status = 'rejected' ORDER BY id"

step "smart cloud diversion: where each box goes, and why"
psql "$("$KOUAN" db -c "$CONF" conninfo)" -X -P pager=off -c "
    SELECT v.equipment_reference AS box, v.direction, v.phase, d.route, d.reason
    FROM visit v LEFT JOIN LATERAL (SELECT route, reason FROM decision
        WHERE equipment_reference = v.equipment_reference AND action = 'SEND'
        ORDER BY id DESC LIMIT 1) d ON true
    ORDER BY 1"

step "kouan recv as the terminal: the diversion instructions (KN10051), acknowledged"
mkdir -p "$WORK/instructions"
"$KOUAN" recv -c "$CONF" -k "$WORK/xhct.key" --idle 2 "$WORK/instructions" | sed "s|$WORK/||"
for f in "$WORK"/instructions/*.xml; do
    printf '  %s  %s\n' "$(sed -n 's:.*<CONTA_NO>\(.*\)</CONTA_NO>.*:\1:p' "$f")" \
        "$(sed -n 's:.*<ROUTE>\(.*\)</ROUTE>.*:\1:p' "$f")"
done

step "kouan why OOLU8890211 — what an officer asks"
"$KOUAN" why -c "$CONF" OOLU8890211

pending() { psql "$("$KOUAN" db -c "$CONF" conninfo)" -XAtq -c "select count(*) from outbox where status = 'pending'"; }
wait_outbox() { for _ in $(seq 1 100); do [ "$(pending)" = 0 ] && return; sleep 0.1; done; }
wait_outbox
step "what the agents' mini-program was told (signed webhooks, verified by the sink)"
psql "$("$KOUAN" db -c "$CONF" conninfo)" -X -P pager=off -c "
    SELECT body::json->>'equipmentReference' AS box, o.status, o.attempts,
           body::json->'statusLine'->>'zh' AS 状态, body::json->'statusLine'->>'en' AS status_line
    FROM outbox o WHERE kind = 'status' ORDER BY id"

step "a certificate of origin mailed by EMS"
"$KOUAN" cert -c "$CONF" request CO2026-0001 --agent 3702ABCD --phone 13800001234 --name 张三 \
    --prov 福建省 --city 厦门市 --county 思明区 --address "鹭江道 1 号"
"$KOUAN" cert -c "$CONF" deposit CO2026-0001 --locker A3 --compartment 12
wait_outbox
CODE=$(sed -n 's/.*取件码\([0-9]\{6\}\).*/\1/p' "$WORK/sink.jsonl" | tail -n 1)
echo "(the agent reads the code on the phone: $CODE)"
echo "$CODE" | "$KOUAN" cert -c "$CONF" pickup CO2026-0001
wait_outbox
"$KOUAN" cert -c "$CONF" show CO2026-0001
echo "kouan sink received: $(curl -fsS "$SINK/_sink/stats")"

step "a simulated port day (conf/scenarios/default.ini) through the broker, then the KPIs"
echo "the terminal works each box as kouan's instructions say, in simulated time; the same"
echo "traffic is then played in the traditional flow (every box through the yard)"
"$KOUAN" sim run -c "$CONF" -o "$REPORT" "$SRC/conf/scenarios/default.ini"
printf 'the agents'"'"' mini-program: '
for i in $(seq 1 600); do
    left=$(pending)
    [ "$left" = 0 ] && break
    [ $((i % 20)) = 1 ] && printf '%s notifications to deliver… ' "$left"
    sleep 0.1
done
echo "$(psql "$("$KOUAN" db -c "$CONF" conninfo)" -XAtq -c \
    "SELECT count(*) FILTER (WHERE status = 'delivered') || ' status events delivered, ' ||
            count(*) FILTER (WHERE status <> 'delivered') || ' not (yet)' FROM outbox")"
echo "kouan sink received: $(curl -fsS "$SINK/_sink/stats")"

step "kouan api: what an agent's phone and the operators read over HTTP"
# a box of the simulated day that went straight to its truck, and its agent
read -r BOX AGENT < <(psql "$("$KOUAN" db -c "$CONF" conninfo)" -XAtq -F ' ' -c "
    SELECT v.equipment_reference, a.detail->>'agentCode' FROM visit v
    JOIN event b ON b.equipment_reference = v.equipment_reference
    JOIN event a ON a.transport_document_reference = b.transport_document_reference
    WHERE v.route = 'DIRECT_PICKUP' AND v.closed_at IS NOT NULL
      AND a.detail->>'agentCode' IS NOT NULL ORDER BY v.id LIMIT 1")
"$KOUAN" principal -c "$CONF" add "agent-$AGENT" --role agent --agent "$AGENT" > "$WORK/principal.out"
TOKEN=$(sed -n 's/.*: token \(kn_[A-Za-z0-9_-]*\)$/\1/p' "$WORK/principal.out")
echo "kouan principal add agent-$AGENT --role agent --agent $AGENT  (token shown once, kept hashed)"
echo "GET /v1/containers/$BOX/timeline as that agent:"
curl -fsS -H "Authorization: Bearer $TOKEN" "$API/v1/containers/$BOX/timeline" | python3 -c '
import json, sys
t = json.load(sys.stdin)
v = t.get("visit", {})
print("  route %s (%s), %s" % (v.get("route"), v.get("reason"), "left the port" if v.get("closed") else "in the port"))
for e in t["events"]:
    code = e.get("equipmentEventTypeCode") or e.get("shipmentEventTypeCode") or e.get("transportEventTypeCode")
    print("  %-25s %-10s %s" % (e.get("eventDateTime", ""), e.get("eventType"), code))'
echo "GET /metrics (excerpt):"
curl -fsS "$API/metrics" | grep -E '^kouan_(inbound_messages_total|decisions_total|outbox_depth)' | head -n 8

step "the diversion rules an officer would check before deploying them"
"$KOUAN" rules test "$SRC/rules/diversion.dmn" "$SRC/rules/diversion-test.xml" | tail -n 5

step "shutting down"
kill -TERM "$API_PID" "$NOTIFY_PID" "$SINK_PID"
wait "$API_PID" "$NOTIFY_PID" "$SINK_PID" || true
API_PID= NOTIFY_PID= SINK_PID=
kill -TERM "$BROKER_PID"
wait "$BROKER_PID" || true
BROKER_PID=
tail -n 1 "$WORK/broker.log"
"$KOUAN" db -c "$CONF" stop

step "the KPI report of the simulated day (kept after the demo)"
echo "report:  $REPORT/report.html"
echo "figures: $REPORT/kpi.json"
echo "boxes:   $REPORT/boxes.csv"
