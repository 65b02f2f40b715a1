#!/usr/bin/env bash
# kouan sink on its own, spoken to with curl and openssl only (nothing of
# kouan's signs here): it accepts what is rightly signed, refuses what is not,
# counts duplicates by Kouan-Notification-Id, misbehaves when told to, writes
# its record file, and stops cleanly on TERM even with a request held.
# No PostgreSQL is needed.
. "$(dirname "$0")/lib.sh"
kn_setup

kn_sink_start 20000
pass "kouan sink says where it listens: port $PORT"

assert_eq "ok" "$(curl -fsS "$SINK/healthz")" "healthz"

# --- Standard Webhooks, computed here: v1,base64(HMAC-SHA256(key, id.ts.body))
hexkey() { sed 's/^whsec_//' "$1" | tr -d '\n' | base64 -d | od -An -tx1 | tr -d ' \n'; }
MP_KEY=$(hexkey "$WORK/miniprogram.secret")
SMS_KEY=$(hexkey "$WORK/sms.secret")
webhook_sig() { # hexkey id ts body
    printf '%s.%s.%s' "$2" "$3" "$4" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" -binary | base64 -w0
}
# post_webhook path hexkey id kouan-id signed-body sent-body → HTTP status
post_webhook() {
    local ts sig
    ts=$(date +%s)
    sig=$(webhook_sig "$2" "$3" "$ts" "$5")
    curl -sS -o "$WORK/reply" -w '%{http_code}' -X POST "$SINK$1" \
        -H 'Content-Type: application/json' -H "Kouan-Notification-Id: $4" \
        -H "webhook-id: $3" -H "webhook-timestamp: $ts" -H "webhook-signature: v1,$sig" \
        --data-binary "$6"
}
sink_mode() { curl -fsS -X POST -H 'Content-Type: application/json' -d "$1" "$SINK/_sink/mode"; }

event='{"eventType":"EQUIPMENT","equipmentEventTypeCode":"DISC","equipmentReference":"OOLU8890211"}'
tampered='{"eventType":"EQUIPMENT","equipmentEventTypeCode":"DISC","equipmentReference":"OOLU8890212"}'
assert_eq "204" "$(post_webhook /miniprogram "$MP_KEY" msg_1 note-1 "$event" "$event")" "a signed status event is accepted"
assert_eq "204" "$(post_webhook /miniprogram "$MP_KEY" msg_1 note-1 "$event" "$event")" "its redelivery is accepted too"
assert_eq "401" "$(post_webhook /miniprogram "$MP_KEY" msg_2 note-2 "$event" "$tampered")" "one byte changed: refused"
assert_contains "$(cat "$WORK/reply")" "no v1 signature matches" "and the answer says why"
assert_eq "401" "$(post_webhook /miniprogram "$SMS_KEY" msg_3 note-3 "$event" "$event")" "the SMS secret does not sign for the mini-program"

sms='{"phone":"13800001234","text":"您的取件码482913"}'
assert_eq "200" "$(post_webhook /sms "$SMS_KEY" msg_sms pickup-1 "$sms" "$sms")" "a signed SMS is sent"
assert_eq '{"result":"ok","id":"msg_sms"}' "$(cat "$WORK/reply")" "the gateway answers with the message id"

# --- DCSA: Notification-Signature: sha256=hex(HMAC-SHA256(secret, body))
DCSA_KEY=$(base64 -d "$WORK/dcsa.secret" | od -An -tx1 | tr -d ' \n')
callback='[{"eventType":"EQUIPMENT","equipmentEventTypeCode":"DISC","equipmentReference":"CSNU7041125"}]'
dsig=$(printf '%s' "$callback" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$DCSA_KEY" | sed 's/^.*= *//')
post_dcsa() { curl -sS -o /dev/null -w '%{http_code}' -X POST "$SINK/dcsa/cb" -H 'Content-Type: application/json' \
    -H "Kouan-Notification-Id: $1" -H "Notification-Signature: sha256=$2" --data-binary "$callback"; }
assert_eq "204" "$(post_dcsa dcsa-1 "$dsig")" "a signed DCSA callback is accepted"
assert_eq "401" "$(post_dcsa dcsa-2 "$(printf '%064d' 0)")" "a wrongly signed one is refused"

# --- EMS: the SM4 envelope built with openssl, the sign key inside it
EMS_TEXT=$(tr -d '\n' < "$WORK/ems.key")
EMS_HEX=$(printf '%s' "$EMS_TEXT" | base64 -d | od -An -tx1 | tr -d ' \n')
order='{"logisticsOrderNo":"CO2026-0001","receiver":{"name":"张三","mobile":"13800001234","prov":"福建省","city":"厦门市","county":"思明区","address":"鹭江道 1 号"},"sender":{"name":"厦门海关","mobile":"0592-5000000","address":"厦门市思明区"}}'
sealed="|\$4|$(printf '%s%s' "$order" "$EMS_TEXT" | openssl enc -sm4-ecb -K "$EMS_HEX" | base64 -w0)"
ems=$(curl -fsS -X POST "$SINK/ems" --data-urlencode apiCode=020003 --data-urlencode senderNo=1100000000001 \
      --data-urlencode authorization=test-authorization --data-urlencode msgType=0 \
      --data-urlencode "timeStamp=$(TZ=Asia/Shanghai date '+%Y-%m-%d %H:%M:%S')" \
      --data-urlencode version=V1.0.0 --data-urlencode "logitcsInterface=$sealed")
assert_contains "$ems" '"retCode":"00000"' "a sealed EMS order is accepted"
echo "$ems" | grep -Eq '"waybillNo":"1100[0-9]{9}"' || fail "no 13-digit waybill in: $ems"
pass "and gets a waybill number"

# --- told to fail once, then fine
sink_mode '{"endpoint":"miniprogram","mode":"fail","count":1}'
assert_eq "500" "$(post_webhook /miniprogram "$MP_KEY" msg_4 note-4 "$event" "$event")" "fail mode: 500"
assert_eq "204" "$(post_webhook /miniprogram "$MP_KEY" msg_4 note-4 "$event" "$event")" "then accepted again"

stats=$(curl -fsS "$SINK/_sink/stats")
assert_contains "$stats" '"miniprogram":{"received":6,"accepted":3,"unique":2,"duplicates":1,"refused":2,"failed_on_purpose":1}' "mini-program counts"
assert_contains "$stats" '"sms":{"received":1,"accepted":1,"unique":1,"duplicates":0,"refused":0,"failed_on_purpose":0}' "SMS counts"
assert_contains "$stats" '"ems":{"received":1,"accepted":1,"unique":1,"duplicates":0,"refused":0,"failed_on_purpose":0}' "EMS counts"
assert_contains "$stats" '"dcsa":{"received":2,"accepted":1,"unique":1,"duplicates":0,"refused":1,"failed_on_purpose":0}' "DCSA counts"

# --- the record file: one JSON object per request, in order
REC=$WORK/sink.jsonl
assert_eq "10" "$(wc -l < "$REC")" "ten requests, ten lines"
assert_contains "$(sed -n 1p "$REC")" '"endpoint":"miniprogram","id":"note-1","status":204,"outcome":"accepted","error":null,"body":{"eventType":"EQUIPMENT"' "first line: the accepted event, body as JSON"
assert_contains "$(sed -n 3p "$REC")" '"id":"note-2","status":401,"outcome":"refused-signature"' "third line: the tampered one"
assert_contains "$(grep '"endpoint":"ems"' "$REC")" '"id":"CO2026-0001","status":200,"outcome":"accepted"' "the EMS order under its order number"
assert_contains "$(grep '"endpoint":"ems"' "$REC")" '"address":"鹭江道 1 号"' "recorded decrypted, Chinese intact"
assert_contains "$(grep '"id":"note-4"' "$REC" | head -n 1)" '"status":500,"outcome":"failed-on-purpose"' "the failure on purpose"
grep -q '^{"at":"[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:.]*Z",' "$REC" || fail "records do not start with an ISO 8601 UTC time"
pass "records carry an ISO 8601 UTC time"
assert_eq "$(wc -l < "$REC")" "$(curl -fsS "$SINK/_sink/records" | grep -o '"at":' | wc -l)" "/_sink/records holds the same records"

# --- TERM while a request is held by a stall: the sink still stops at once, 0
sink_mode '{"endpoint":"sms","mode":"stall"}'
curl -sS -o /dev/null -w '%{http_code}' --max-time 15 -X POST "$SINK/sms" -d '{}' > "$WORK/stalled" 2>&1 &
held=$!
sleep 0.5
kill -0 "$held" 2>/dev/null || fail "the stalled request was answered at once"
start=$(date +%s)
kill -TERM "$SINK_PID"
status=0
wait "$SINK_PID" || status=$?
KN_PIDS=()
assert_eq "0" "$status" "kouan sink exits 0 on TERM"
[ $(( $(date +%s) - start )) -lt 10 ] || fail "kouan sink took more than 10 s to stop"
pass "and does not wait out the 20 s stall"
wait "$held" || true
assert_eq "500" "$(cat "$WORK/stalled")" "the held request is answered 500 at stop"
assert_contains "$(tail -n 1 "$REC")" '"outcome":"stalled"' "and recorded as stalled"
