#!/usr/bin/env bash
# Notifications end to end: the real broker writes status events (and DCSA
# callbacks for a subscription) into the outbox with its batches, kouan notify
# delivers them to kouan sink, which checks every signature.  The sink fails
# in the middle, throttles, vanishes; every notification still reaches it
# exactly once by its id, in order per container; what cannot be delivered is
# dead-lettered and can be replayed.  Then a certificate of origin goes from
# request to EMS order, with a wrong and an expired pickup code refused.
. "$(dirname "$0")/lib.sh"
kn_setup
S=$KN_SAMPLES_DIR

kn_sink_start 3000
head -c 32 /dev/urandom > "$WORK/certificate.key"
chmod 600 "$WORK/certificate.key"
cat >> "$CONF" <<CONF

[notify]
subscriber_private_ok = true
miniprogram_url = $SINK/miniprogram
sms_url = $SINK/sms
ems_url = $SINK/ems
ems_sender_no = 1100000000001
ems_authorization = test-authorization
timeout_ms = 1000
max_attempts = 4
backoff_min_ms = 50
backoff_max_ms = 400
concurrency_per_endpoint = 2

[certificate]
code_attempts = 3

[callbacks]
listen = 127.0.0.1:0
CONF

sink_mode() { curl -fsS -X POST -H 'Content-Type: application/json' -d "$1" "$SINK/_sink/mode" >/dev/null; }
stat_of() { curl -fsS "$SINK/_sink/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1']['$2'])"; }
pending() { kn_psql "select count(*) from outbox where status = 'pending'"; }
wait_delivered() { # what: every row out of pending within 30 s
    for _ in $(seq 1 300); do [ "$(pending)" = 0 ] && return 0; sleep 0.1; done
    fail "$1: $(pending) notifications still pending after 30 s"
}

kn_db_start
kn_broker_start
"$KOUAN" notify -c "$CONF" >> "$WORK/notify.log" 2>&1 &
KN_PIDS+=($!)
"$KOUAN" callbacks -c "$CONF" > "$WORK/callbacks.out" 2>> "$WORK/callbacks.log" &
KN_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$WORK/callbacks.out" ] && break; sleep 0.05; done
CALLBACKS=http://$(sed -n 's/^callbacks listening on //p' "$WORK/callbacks.out")
[ "$CALLBACKS" != http:// ] || fail "kouan callbacks did not say where it listens"

# a DCSA subscriber for one box, with the secret the sink checks
sub=$("$KOUAN" subscription -c "$CONF" add --url "$SINK/dcsa/cb" --secret "$(cat "$WORK/dcsa.secret")" \
      --equipment CSNU7041125 --event-type EQUIPMENT) || fail "subscription add"
sub_id=$(echo "$sub" | grep -Eo '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' | head -n 1)
[ -n "$sub_id" ] || fail "subscription add printed no id: $sub"
assert_contains "$("$KOUAN" subscription -c "$CONF" list)" "$sub_id" "the subscription is listed"

# the mini-program backend fails three times in the middle of the day
sink_mode '{"endpoint":"miniprogram","mode":"fail","count":3}'
as() { "$KOUAN" send -c "$CONF" -q --keep -k "$WORK/$1.key" "${@:2}" >/dev/null; }
as customs "$S/customs/clm10041-discharge-instruction.xml"
as customs "$S/customs/clm10021-inspection-order.xml" "$S/customs/clm10021-inspection-order-gbk.xml"
as customs "$S/customs/clm10011-release.xml"
as xmtax "$S/tax/duty-paid.xml" "$S/tax/guarantee-accepted.xml"
as xhct "$S/terminal/coarri-discharge.edi"
as xhct "$S/terminal/codeco-gate-out-import.edi"
wait_delivered "the port day's notifications"

rows=$(kn_psql "select count(*) from outbox where endpoint = 'miniprogram'")
[ "$rows" -ge 6 ] || fail "expected a status event per decision, got $rows"
assert_eq "$rows" "$(kn_psql "select count(*) from outbox where endpoint = 'miniprogram' and status = 'delivered'")" "every status event delivered"
assert_eq "$rows" "$(stat_of miniprogram unique)" "each reached the sink (signature checked) under its own id"
assert_eq "0" "$(stat_of miniprogram duplicates)" "none accepted twice"
assert_eq "3" "$(stat_of miniprogram failed_on_purpose)" "the three failures happened"
assert_eq "3" "$(kn_psql "select count(*) from delivery_attempt a join outbox o on o.id = a.outbox_id where o.endpoint = 'miniprogram' and a.http_status = 500")" "and each failed try is recorded"

# order per container: the sink saw each box's events in the outbox's order
for box in COSU6123451 CSNU7041125 OOLU8890211; do
    want=$(kn_psql "select string_agg(notification_id, ' ' order by id) from outbox where endpoint = 'miniprogram' and order_key = 'miniprogram:$box'")
    got=$(python3 - "$WORK/sink.jsonl" "$box" <<'PY'
import json, sys
ids = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    body = r.get("body")
    if r["endpoint"] == "miniprogram" and r["outcome"] == "accepted" and isinstance(body, dict) \
            and body.get("equipmentReference") == sys.argv[2]:
        ids.append(r["id"])
print(" ".join(ids))
PY
)
    assert_eq "$want" "$got" "$box: delivered in order"
done
zh=$(kn_psql "select body::json->'statusLine'->>'zh' from outbox where order_key = 'miniprogram:OOLU8890211' and body like '%inspectionSlot%' order by id desc limit 1")
assert_eq "已安排查验 2026-11-22 09:00–10:00（XHCT inspection area）" "$zh" "the agent is told the inspection slot"
assert_contains "$(kn_psql "select string_agg(body::json->'statusLine'->>'en', '|') from outbox where order_key = 'miniprogram:COSU6123451'")" \
    "Released, ready for pickup" "and that a released box can be picked up"

# the DCSA subscriber got the events of its box, signed, and nothing else
dcsa=$(kn_psql "select count(*) from outbox where endpoint = 'subscription:$sub_id'")
assert_eq "$(kn_psql "select count(*) from event where equipment_reference = 'CSNU7041125' and event_type = 'EQUIPMENT'")" "$dcsa" "one callback per event of the subscribed box"
assert_eq "$dcsa" "$(stat_of dcsa unique)" "each verified and accepted by the subscriber"

# throttled: Retry-After honoured and recorded
sink_mode '{"endpoint":"miniprogram","mode":"throttle","count":1,"retry_after":1}'
# the next voyage's discharge instruction for the boxes that left: new visits
sed 's/37012611220001000041/37012611230001000041/' "$S/customs/clm10041-discharge-instruction.xml" > "$WORK/clm10041-next.xml"
as customs "$WORK/clm10041-next.xml"
wait_delivered "after a 429"
assert_eq "1" "$(kn_psql "select count(*) from delivery_attempt where http_status = 429 and retry_after_s = 1")" "429 with Retry-After: 1 recorded"

# a subscriber that has gone (410): the subscription is disabled
sink_mode '{"endpoint":"dcsa","mode":"vanish"}'
kn_psql "insert into outbox (notification_id, endpoint, order_key, kind, body) values ('dcsa-probe', 'subscription:$sub_id', 'subscription:$sub_id:CSNU7041125', 'dcsa-event', '[{\"eventType\":\"EQUIPMENT\"}]'); notify kouan_outbox"
wait_delivered "after a 410"
assert_contains "$(kn_psql "select disabled_reason from subscription where id = '$sub_id'")" "410" "the subscription is disabled on 410"
assert_eq "cancelled" "$(kn_psql "select status from outbox where notification_id = 'dcsa-probe'")" "its notification is not retried"
sink_mode '{"endpoint":"dcsa","mode":"ok"}'

# an endpoint that keeps failing: dead-lettered after max_attempts, then replayed
sink_mode '{"endpoint":"miniprogram","mode":"fail"}'
kn_psql "insert into outbox (notification_id, endpoint, order_key, kind, body) values ('dead-probe', 'miniprogram', 'miniprogram:ZZZU0000000', 'status', '{\"eventType\":\"EQUIPMENT\"}'); notify kouan_outbox"
wait_delivered "dead-lettering"
assert_eq "dead" "$(kn_psql "select status from outbox where notification_id = 'dead-probe'")" "dead after the last try"
assert_eq "4" "$(kn_psql "select count(*) from delivery_attempt a join outbox o on o.id = a.outbox_id where o.notification_id = 'dead-probe'")" "after max_attempts = 4 tries, each recorded"
assert_contains "$("$KOUAN" outbox -c "$CONF" list --status dead)" "dead-probe" "kouan outbox lists it"
assert_contains "$("$KOUAN" outbox -c "$CONF" show dead-probe)" "500" "kouan outbox shows its tries"
sink_mode '{"endpoint":"miniprogram","mode":"ok"}'
"$KOUAN" outbox -c "$CONF" replay dead-probe >/dev/null || fail "replay"
wait_delivered "the replay"
assert_eq "delivered" "$(kn_psql "select status from outbox where notification_id = 'dead-probe'")" "replayed and delivered"

# certificate of origin by EMS
cert() { "$KOUAN" cert -c "$CONF" "$@"; }
cert request CO2026-0001 --agent 3702ABCD --phone 13800001234 --name 张三 --prov 福建省 \
     --city 厦门市 --county 思明区 --address "鹭江道 1 号" >/dev/null || fail "cert request"
cert deposit CO2026-0001 --locker A3 --compartment 12 >/dev/null || fail "cert deposit"
wait_delivered "the pickup code"
code=$(python3 - "$WORK/sink.jsonl" <<'PY'
import json, re, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["endpoint"] == "sms" and r["outcome"] == "accepted":
        print(re.search(r"取件码(\d{6})", r["body"]["text"]).group(1))
PY
)
[ ${#code} = 6 ] || fail "the SMS reached the sink without a 6-digit code: '$code'"
assert_eq "" "$(kn_psql "select code_hash from certificate where code_hash like '%$code%'")" "the code is stored hashed, not as it is"
assert_eq "0" "$(kn_psql "select count(*) from outbox where body like '%$code%'")" "and the delivered SMS keeps it masked"
wrong=$(printf '%06d' $(( (10#$code + 1) % 1000000 )))
out=$(echo "$wrong" | cert pickup CO2026-0001 2>&1) && fail "a wrong code was accepted"
assert_contains "$out" "wrong code (2 tries left)" "a wrong code is refused"
kn_psql "update certificate set code_expires_at = now() - interval '1 second' where certificate_no = 'CO2026-0001'"
out=$(echo "$code" | cert pickup CO2026-0001 2>&1) && fail "an expired code was accepted"
assert_contains "$out" "expired" "an expired code is refused"
assert_eq "2" "$(kn_psql "select code_failures_total from certificate where certificate_no = 'CO2026-0001'")" "both refusals counted"
out=$(cert deposit CO2026-0001 --locker A3 --compartment 12 2>&1) || fail "a second deposit: $out"
wait_delivered "the second pickup code"
code=$(python3 - "$WORK/sink.jsonl" <<'PY'
import json, re, sys
codes = [re.search(r"取件码(\d{6})", json.loads(l)["body"]["text"]).group(1)
         for l in open(sys.argv[1]) if '"sms"' in l and '"accepted"' in l]
print(codes[-1])
PY
)
out=$(cert pickup CO2026-0001 "$code" 2>&1) && fail "a code on the command line was taken"
assert_contains "$out" "standard input" "the code is never taken from the command line"
echo "$code" | cert pickup CO2026-0001 >/dev/null || fail "the right code was refused"
wait_delivered "the EMS order"
assert_eq "1" "$(stat_of ems unique)" "EMS got the order, decrypted and valid"
waybill=$(kn_psql "select ems_waybill_no from certificate where certificate_no = 'CO2026-0001'")
[ -n "$waybill" ] || fail "no waybill from EMS's answer"
assert_eq "ordered" "$(kn_psql "select status from certificate where certificate_no = 'CO2026-0001'")" "the certificate is ordered"

# EMS pushes a delivery: sealed as EMS does, read back into the certificate
push=$(printf '{"waybillNo":"%s","opCode":"704","opName":"已妥投"}' "$waybill")
keyhex=$(base64 -d "$WORK/ems.key" | od -An -tx1 | tr -d ' \n')
sealed="|\$4|$(printf '%s' "$push" | openssl enc -sm4-ecb -K "$keyhex" | base64 -w0)"
printf 'apiCode=040001&logitcsInterface=%s' "$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$sealed")" > "$WORK/push.form"
answer=$(curl -fsS -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$WORK/push.form" "$CALLBACKS/ems/push")
assert_contains "$answer" '"retCode":"00000"' "kouan callbacks takes EMS's push"
assert_eq "delivered" "$(kn_psql "select status from certificate where certificate_no = 'CO2026-0001'")" "delivered, as EMS says"
# a late push of an earlier step does not take it back
push=$(printf '{"waybillNo":"%s","opCode":"203","opName":"已收寄"}' "$waybill")
sealed="|\$4|$(printf '%s' "$push" | openssl enc -sm4-ecb -K "$keyhex" | base64 -w0)"
printf 'apiCode=040001&logitcsInterface=%s' "$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$sealed")" > "$WORK/push2.form"
cert ems-push "$WORK/push2.form" >/dev/null || fail "the late EMS push (from a file) was refused"
assert_eq "delivered" "$(kn_psql "select status from certificate where certificate_no = 'CO2026-0001'")" "a late push does not undo the delivery"
wait_delivered "the agent's certificate messages"
assert_contains "$(kn_psql "select string_agg(body::json->'statusLine'->>'zh', '|' order by id) from outbox where order_key = 'miniprogram:cert:CO2026-0001'")" \
    "已妥投" "the agent is told each step, up to delivery"
answer=$(curl -fsS -X POST --data-binary 'apiCode=040001&logitcsInterface=%7C%244%7CAAAA' "$CALLBACKS/ems/push")
assert_contains "$answer" '"retCode":"B0001"' "a push that cannot be opened is refused, with why"
