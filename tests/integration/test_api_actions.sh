#!/usr/bin/env bash
# The HTTP API's actions against the real broker, kouan notify and kouan
# sink: DCSA event subscriptions made, read, listed, changed, re-keyed and
# deleted over HTTP, each principal seeing only its own and an agent only its
# own cargo; after a change of filters and a new secret, the broker's next
# matching event reaches the subscriber signed under the new secret (the
# sink checks it).  A certificate of origin goes from the agent's request to
# the officer's deposit, the SMS code, a wrong code counted and the right one
# taking it to an EMS order; another agent can neither see nor try it.  An
# officer reads a box's decisions as kouan why shows them; an agent may not.
# Malformed bodies are answered 400/422 naming the member; every call is in
# audit, and the pickup code in neither audit nor the log.
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

[certificate]
code_attempts = 3

[api]
listen = 127.0.0.1:0
page_size = 2
page_max = 100
CONF
kn_db_start
kn_broker_start
"$KOUAN" notify -c "$CONF" >> "$WORK/notify.log" 2>&1 &
KN_PIDS+=($!)

stat_of() { curl -fsS "$SINK/_sink/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1']['$2'])"; }
pending() { kn_psql "select count(*) from outbox where status = 'pending'"; }
wait_delivered() { # what: every row out of pending within 30 s
    for _ in $(seq 1 300); do [ "$(pending)" = 0 ] && return 0; sleep 0.1; done
    fail "$1: $(pending) notifications still pending after 30 s"
}
as() { "$KOUAN" send -c "$CONF" -q --keep -k "$WORK/$1.key" "${@:2}" >/dev/null; }

# The discharge instruction names two agents: A on the bill of CSNU7041125,
# B on the bill of COSU6123451.
A=3702AAAA
B=3702BBBB
BOX_A=CSNU7041125
BILL_A=COSU8801234568
BOX_B=COSU6123451
BILL_B=COSU8801234567
python3 - "$S/customs/clm10041-discharge-instruction.xml" "$WORK/clm10041-agents.xml" "$A" "$B" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
for bill, agent in (("COSU8801234568", sys.argv[3]), ("COSU8801234567", sys.argv[4])):
    text = text.replace("<BILL_NO>%s</BILL_NO>" % bill,
                        "<BILL_NO>%s</BILL_NO><AGENT_CODE>%s</AGENT_CODE>" % (bill, agent))
open(sys.argv[2], "w", encoding="utf-8").write(text)
PY
as customs "$WORK/clm10041-agents.xml"
assert_eq "$A" "$(kn_psql "select distinct detail->>'agentCode' from event where equipment_reference = '$BOX_A'")" \
    "the broker names agent A on its box"

token() { sed -n 's/.*: token \(kn_[A-Za-z0-9_-]*\)$/\1/p'; }
TA=$("$KOUAN" principal -c "$CONF" add agent-a --role agent --agent "$A" | token)
TB=$("$KOUAN" principal -c "$CONF" add agent-b --role agent --agent "$B" | token)
TO=$("$KOUAN" principal -c "$CONF" add officer-1 --role officer | token)
TT=$("$KOUAN" principal -c "$CONF" add terminal-1 --role terminal | token)
[ ${#TA} = 46 ] && [ ${#TB} = 46 ] && [ ${#TO} = 46 ] && [ ${#TT} = 46 ] || fail "kouan principal add printed no token"

"$KOUAN" api -c "$CONF" > "$WORK/api.out" 2> "$WORK/api.log" &
API_PID=$!
KN_PIDS+=("$API_PID")
for _ in $(seq 1 100); do [ -s "$WORK/api.out" ] && break; sleep 0.05; done
API=http://$(sed -n 's/^api listening on //p' "$WORK/api.out")
[ "$API" != http:// ] || fail "kouan api did not say where it listens: $(cat "$WORK/api.log")"

# call METHOD PATH TOKEN [BODY]: the status; headers in $WORK/h, body in $WORK/b
call() {
    local data=()
    [ $# -ge 4 ] && data=(-H 'Content-Type: application/json' --data-binary "$4")
    curl -sS -o "$WORK/b" -D "$WORK/h" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3" \
        "${data[@]}" "$API$2"
}
jq_() { python3 -c "import json,sys; d=json.load(open('$WORK/b')); print($1)"; }
detail() { jq_ "d['detail']"; }

# ---- subscriptions --------------------------------------------------------

SECRET_OLD=$(head -c 32 /dev/urandom | base64 -w0)
SECRET_NEW=$(cat "$WORK/dcsa.secret")
[ "$SECRET_OLD" != "$SECRET_NEW" ] || fail "two random secrets are the same"

body=$(printf '{"callbackUrl":"%s/dcsa/a","secret":"%s","transportDocumentReference":"%s","equipmentReference":"%s","eventType":["TRANSPORT"]}' \
       "$SINK" "$SECRET_OLD" "$BILL_A" "$BOX_A")
assert_eq "201" "$(call POST /v2/event-subscriptions "$TA" "$body")" "agent A subscribes to its box: 201"
SUB=$(jq_ "d['subscriptionID']")
echo "$SUB" | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' ||
    fail "subscriptionID is not a UUID: $SUB"
assert_eq "$SINK/dcsa/a|$BOX_A|['TRANSPORT']" \
    "$(jq_ "d['callbackUrl'] + '|' + d['equipmentReference'] + '|' + str(d['eventType'])")" \
    "the subscription as DCSA shows it"
assert_eq "False" "$(jq_ "'secret' in d")" "without its secret"
jq_ "d['createdDateTime'] + d['updatedDateTime']" > /dev/null || fail "no createdDateTime or updatedDateTime"
grep -qi "^location: /v2/event-subscriptions/$SUB" "$WORK/h" || fail "201 without its Location"
assert_eq "agent-a" "$(kn_psql "select owner from subscription where id = '$SUB'")" "its owner is recorded"
assert_eq "t" "$(kn_psql "select secret = decode('$SECRET_OLD', 'base64') from subscription where id = '$SUB'")" \
    "the secret is the subscription's"

assert_eq "200" "$(call GET "/v2/event-subscriptions/$SUB" "$TA")" "read back"
assert_eq "$SUB|$BOX_A" "$(jq_ "d['subscriptionID'] + '|' + d['equipmentReference']")" "the same subscription"
assert_eq "404" "$(call GET "/v2/event-subscriptions/$SUB" "$TB")" "another agent: 404"
assert_eq "404" "$(call PUT "/v2/event-subscriptions/$SUB" "$TB" "{\"callbackUrl\":\"$SINK/dcsa/b\",\"transportDocumentReference\":\"$BILL_B\",\"equipmentReference\":\"$BOX_B\"}")" \
    "another agent cannot change it"
assert_eq "404" "$(call PUT "/v2/event-subscriptions/$SUB/secret" "$TB" "{\"secret\":\"$SECRET_NEW\"}")" \
    "nor give it a secret"
assert_eq "404" "$(call DELETE "/v2/event-subscriptions/$SUB" "$TB")" "nor delete it"
assert_eq "404" "$(call GET "/v2/event-subscriptions/$SUB" "$TT")" "nor can a terminal see it"

# more subscriptions: B's own, a terminal's, and one made with the CLI
assert_eq "201" "$(call POST /v2/event-subscriptions "$TB" "{\"callbackUrl\":\"http://127.0.0.1:9/b\",\"secret\":\"$SECRET_OLD\",\"transportDocumentReference\":\"$BILL_B\"}")" \
    "agent B subscribes to its bill"
SUB_B=$(jq_ "d['subscriptionID']")
assert_eq "201" "$(call POST /v2/event-subscriptions "$TT" "{\"callbackUrl\":\"http://127.0.0.1:9/t\",\"secret\":\"$SECRET_OLD\"}")" \
    "a terminal subscribes to every event"
assert_eq "[]" "$(jq_ "d['eventType']")" "eventType empty: every type"
"$KOUAN" subscription -c "$CONF" add --url https://ops.example/cb --equipment ZZZU0000000 >/dev/null ||
    fail "kouan subscription add"
for _ in 1 2 3; do
    assert_eq "201" "$(call POST /v2/event-subscriptions "$TO" "{\"callbackUrl\":\"https://o.example/cb\",\"secret\":\"$SECRET_OLD\",\"equipmentReference\":\"MSCU1234566\"}")" \
        "the officer subscribes to any box" >/dev/null
done

assert_eq "200" "$(call GET /v2/event-subscriptions "$TA")" "agent A lists"
assert_eq "$SUB" "$(jq_ "','.join(s['subscriptionID'] for s in d)")" "and sees only its own"
assert_eq "200" "$(call GET /v2/event-subscriptions "$TB")" "agent B lists"
assert_eq "$SUB_B" "$(jq_ "','.join(s['subscriptionID'] for s in d)")" "and sees only its own"
total=$(kn_psql "select count(*) from subscription")
assert_eq "7" "$total" "seven subscriptions in all"
path=/v2/event-subscriptions
: > "$WORK/ids"
pages=0
while [ -n "$path" ]; do
    assert_eq "200" "$(call GET "$path" "$TO")" "the officer's page $pages" >/dev/null
    jq_ "'\n'.join(s['subscriptionID'] for s in d)" >> "$WORK/ids"
    pages=$((pages + 1))
    [ $pages -le 10 ] || fail "more than 10 pages"
    path=$(sed -n 's/^[Nn]ext-[Pp]age: \(.*\)\r$/\1/p' "$WORK/h")
done
assert_eq "$total" "$(sort -u "$WORK/ids" | grep -c .)" "the officer sees all $total, the CLI's too, page by page ($pages pages of 2)"
assert_eq "$total" "$(grep -c . "$WORK/ids")" "each once"
assert_eq "400" "$(call GET "/v2/event-subscriptions?cursor=zzz" "$TO")" "a cursor this API did not give: 400"
assert_contains "$(detail)" "cursor" "the problem names cursor"

# an agent subscribes to its own cargo only
assert_eq "404" "$(call POST /v2/event-subscriptions "$TA" "{\"callbackUrl\":\"$SINK/dcsa/a\",\"secret\":\"$SECRET_OLD\",\"transportDocumentReference\":\"$BILL_A\",\"equipmentReference\":\"$BOX_B\"}")" \
    "agent A on B's box: 404, as an unknown box"
assert_contains "$(detail)" "$BOX_B" "naming the box"
assert_eq "404" "$(call POST /v2/event-subscriptions "$TA" "{\"callbackUrl\":\"$SINK/dcsa/a\",\"secret\":\"$SECRET_OLD\",\"transportDocumentReference\":\"$BILL_B\"}")" \
    "agent A on B's bill: 404"
assert_eq "404" "$(call POST /v2/event-subscriptions "$TA" "{\"callbackUrl\":\"$SINK/dcsa/a\",\"secret\":\"$SECRET_OLD\",\"transportDocumentReference\":\"$BILL_A\",\"equipmentReference\":\"ZZZU0000000\"}")" \
    "agent A on a box nobody knows: the same 404"
assert_eq "422" "$(call POST /v2/event-subscriptions "$TA" "{\"callbackUrl\":\"$SINK/dcsa/a\",\"secret\":\"$SECRET_OLD\",\"equipmentReference\":\"$BOX_A\"}")" \
    "agent A on its box without its bill: 422 (the box may later carry another company's cargo)"
assert_eq "422" "$(call POST /v2/event-subscriptions "$TA" "{\"callbackUrl\":\"$SINK/dcsa/a\",\"secret\":\"$SECRET_OLD\"}")" \
    "agent A without a box or bill: 422"
assert_contains "$(detail)" "transportDocumentReference is required" "naming the filter it needs"
assert_eq "404" "$(call PUT "/v2/event-subscriptions/$SUB" "$TA" "{\"callbackUrl\":\"$SINK/dcsa/a\",\"transportDocumentReference\":\"$BILL_A\",\"equipmentReference\":\"$BOX_B\"}")" \
    "nor can it move its subscription to B's box"
assert_eq "1" "$(kn_psql "select count(*) from subscription where owner = 'agent-a'")" "none of these made one"
assert_eq "201" "$(call POST /v2/event-subscriptions "$TA" "{\"callbackUrl\":\"http://127.0.0.1:9/a\",\"secret\":\"$SECRET_OLD\",\"transportDocumentReference\":\"$BILL_A\",\"eventType\":[\"TRANSPORT\"]}")" \
    "agent A on its own bill: 201"
assert_eq "204" "$(call DELETE "/v2/event-subscriptions/$(jq_ "d['subscriptionID']")" "$TA")" "and deleted again"

# malformed bodies: 400 or 422, naming the member
bad() { # status body needle what
    assert_eq "$1" "$(call POST /v2/event-subscriptions "$TO" "$2")" "$4: $1"
    assert_contains "$(detail)" "$3" "the problem names $3" >/dev/null
}
bad 400 'not json' "JSON" "a body that is not JSON"
bad 400 '["callbackUrl"]' "object" "a body that is not an object"
bad 422 "{\"callbackUrl\":\"ftp://x.example/cb\",\"secret\":\"$SECRET_OLD\"}" "callbackUrl" "an ftp URL"
bad 422 "{\"callbackUrl\":\"not a url\",\"secret\":\"$SECRET_OLD\"}" "callbackUrl" "not a URL"
bad 422 "{\"callbackUrl\":\"http:///cb\",\"secret\":\"$SECRET_OLD\"}" "callbackUrl" "a URL without a host"
bad 422 "{\"secret\":\"$SECRET_OLD\"}" "callbackUrl" "no callbackUrl"
bad 422 '{"callbackUrl":"https://o.example/cb","secret":"c2hvcnQ="}' "secret" "a short secret"
bad 422 '{"callbackUrl":"https://o.example/cb","secret":"not base64!"}' "secret" "a secret that is not base64"
bad 422 '{"callbackUrl":"https://o.example/cb"}' "secret" "no secret"
bad 422 "{\"callbackUrl\":\"https://o.example/cb\",\"secret\":\"$SECRET_OLD\",\"eventType\":[\"EQUIPMENT\",\"CARGO\"]}" \
    "eventType" "an unknown eventType"
bad 400 "{\"callbackUrl\":\"https://o.example/cb\",\"secret\":\"$SECRET_OLD\",\"eventType\":\"EQUIPMENT\"}" \
    "eventType" "an eventType that is not an array"
bad 422 "{\"callbackUrl\":\"https://o.example/cb\",\"secret\":\"$SECRET_OLD\",\"equipmentReference\":\"\"}" \
    "equipmentReference" "an empty equipmentReference"
bad 400 "{\"callbackUrl\":\"https://o.example/cb\",\"secret\":\"$SECRET_OLD\",\"vesselIMONumber\":\"9811000\"}" \
    "vesselIMONumber" "a filter kouan does not have"
assert_eq "415" "$(curl -sS -o "$WORK/b" -w '%{http_code}' -X POST -H "Authorization: Bearer $TO" -H 'Content-Type: text/plain' \
    --data-binary "{\"callbackUrl\":\"https://o.example/cb\",\"secret\":\"$SECRET_OLD\"}" "$API/v2/event-subscriptions")" \
    "a body that is not application/json: 415"
assert_eq "400" "$(call PUT "/v2/event-subscriptions/$SUB" "$TA" "{\"callbackUrl\":\"$SINK/dcsa/a\",\"transportDocumentReference\":\"$BILL_A\",\"equipmentReference\":\"$BOX_A\",\"secret\":\"$SECRET_NEW\"}")" \
    "a secret in the PUT of the subscription: 400"
assert_contains "$(detail)" "/secret" "the problem says where a secret goes"
assert_eq "422" "$(call PUT "/v2/event-subscriptions/$SUB" "$TA" "{\"subscriptionID\":\"$SUB_B\",\"callbackUrl\":\"$SINK/dcsa/a\",\"transportDocumentReference\":\"$BILL_A\",\"equipmentReference\":\"$BOX_A\"}")" \
    "another subscriptionID in the body: 422"
assert_contains "$(detail)" "subscriptionID" "the problem names subscriptionID"
assert_eq "422" "$(call PUT "/v2/event-subscriptions/$SUB/secret" "$TA" '{"secret":"c2hvcnQ="}')" "a short new secret: 422"
assert_contains "$(detail)" "secret" "the problem names secret"

# the filters replaced, then the secret: the next matching event arrives signed
# under the new one
before=$(kn_psql "select updated_at from subscription where id = '$SUB'")
assert_eq "200" "$(call PUT "/v2/event-subscriptions/$SUB" "$TA" "{\"callbackUrl\":\"$SINK/dcsa/a\",\"transportDocumentReference\":\"$BILL_A\",\"equipmentReference\":\"$BOX_A\",\"eventType\":[\"EQUIPMENT\",\"SHIPMENT\"]}")" \
    "PUT replaces the filters"
assert_eq "['EQUIPMENT', 'SHIPMENT']|$BOX_A" "$(jq_ "str(d['eventType']) + '|' + d['equipmentReference']")" "as asked"
assert_eq "{EQUIPMENT,SHIPMENT}" "$(kn_psql "select event_types from subscription where id = '$SUB'")" "and stored"
assert_eq "204" "$(call PUT "/v2/event-subscriptions/$SUB/secret" "$TA" "{\"secret\":\"$SECRET_NEW\"}")" "the secret rotated: 204"
assert_eq "t" "$(kn_psql "select secret = decode('$SECRET_NEW', 'base64') and updated_at > '$before' from subscription where id = '$SUB'")" \
    "the new secret is the subscription's"
as xhct "$S/terminal/coarri-discharge.edi"
wait_delivered "the discharge's callbacks"
got=$(kn_psql "select count(*) from outbox where endpoint = 'subscription:$SUB' and status = 'delivered'")
[ "$got" -ge 1 ] || fail "no callback was delivered to agent A's subscription"
assert_eq "$(kn_psql "select count(*) from outbox where endpoint = 'subscription:$SUB'")" "$got" "each of its callbacks delivered"
assert_eq "$got" "$(stat_of dcsa unique)" "each reached the subscriber, its signature valid under the new secret"
assert_eq "0" "$(stat_of dcsa refused)" "none refused"
assert_eq "0" "$(kn_psql "select count(*) from outbox o where o.endpoint = 'subscription:$SUB' and o.body not like '%$BOX_A%'")" \
    "only events of its box"
python3 - "$WORK/sink.jsonl" "$BOX_A" <<'PY' || fail "a callback at the sink is not the box's DISC event"
import json, sys
seen = [json.loads(l) for l in open(sys.argv[1])]
dcsa = [r for r in seen if r["endpoint"] == "dcsa" and r["outcome"] == "accepted"]
assert dcsa, "no dcsa callback accepted"
codes = {e.get("equipmentEventTypeCode") for r in dcsa for e in r["body"] if e.get("equipmentReference") == sys.argv[2]}
assert "DISC" in codes, codes
PY
pass "the sink got the box's discharge (DISC)"

assert_eq "204" "$(call DELETE "/v2/event-subscriptions/$SUB" "$TA")" "DELETE: 204"
assert_eq "404" "$(call GET "/v2/event-subscriptions/$SUB" "$TA")" "then 404"
assert_eq "404" "$(call DELETE "/v2/event-subscriptions/$SUB" "$TA")" "and deleting again: 404"
assert_eq "0" "$(kn_psql "select count(*) from subscription where id = '$SUB'")" "it is gone"
assert_eq "200" "$(call GET "/v2/event-subscriptions/$SUB_B" "$TO")" "the officer reads B's subscription"
assert_eq "agent-b" "$(jq_ "d['kouan']['owner']")" "and sees whose it is"

# ---- certificates of origin ----------------------------------------------

CO=CO2026-0042
req=$(printf '{"certificateNo":"%s","phone":"13800001234","name":"张三","prov":"福建省","city":"厦门市","county":"思明区","address":"鹭江道 1 号"}' "$CO")
assert_eq "403" "$(call POST /v1/certificates "$TO" "$req")" "an officer does not request mailing: 403"
assert_eq "422" "$(call POST /v1/certificates "$TA" "$(echo "$req" | sed 's/13800001234/2380000/')")" "a phone that is no mobile number: 422"
assert_contains "$(detail)" "phone" "the problem names phone"
assert_eq "422" "$(call POST /v1/certificates "$TA" "$(echo "$req" | sed 's/"address":"[^"]*"/"address":""/')")" "an empty address: 422"
assert_contains "$(detail)" "address" "the problem names address"
assert_eq "422" "$(call POST /v1/certificates "$TA" "$(echo "$req" | sed "s/^{/{\"agent\":\"$B\",/")")" \
    "another agent's code: 422"
assert_contains "$(detail)" "agent" "the problem names agent"
assert_eq "201" "$(call POST /v1/certificates "$TA" "$req")" "agent A requests mailing: 201"
assert_eq "$CO|$A|requested|138****1234" "$(jq_ "'|'.join([d['certificateNo'], d['agent'], d['status'], d['phone']])")" \
    "the certificate, its phone masked"
grep -qi "^location: /v1/certificates/$CO" "$WORK/h" || fail "201 without its Location"
assert_eq "409" "$(call POST /v1/certificates "$TA" "$req")" "requested again: 409"
assert_eq "200" "$(call GET "/v1/certificates/$CO" "$TA")" "agent A reads it"
assert_eq "404" "$(call GET "/v1/certificates/$CO" "$TB")" "agent B: 404, as unknown"
assert_eq "403" "$(call GET "/v1/certificates/$CO" "$TT")" "a terminal: 403"

assert_eq "403" "$(call POST "/v1/certificates/$CO/deposit" "$TA" '{"locker":"A3","compartment":"12"}')" \
    "an agent does not deposit: 403"
assert_eq "404" "$(call POST "/v1/certificates/CO-NONE/deposit" "$TO" '{"locker":"A3","compartment":"12"}')" \
    "depositing an unknown certificate: 404"
assert_eq "422" "$(call POST "/v1/certificates/$CO/deposit" "$TO" '{"locker":"A3"}')" "a deposit without its compartment: 422"
assert_contains "$(detail)" "compartment" "the problem names compartment"
assert_eq "200" "$(call POST "/v1/certificates/$CO/deposit" "$TO" '{"locker":"A3","compartment":"12"}')" \
    "the officer deposits it"
assert_eq "deposited|A3|12" "$(jq_ "'|'.join([d['status'], d['locker'], d['compartment']])")" "in locker A3, compartment 12"
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
pass "the SMS with the code reached the gateway"
wrong=$(printf '%06d' $(( (10#$code + 1) % 1000000 )))

assert_eq "404" "$(call POST "/v1/certificates/$CO/pickup" "$TB" "{\"code\":\"$code\"}")" \
    "agent B with the right code: 404"
assert_eq "400" "$(call POST "/v1/certificates/$CO/pickup?code=$code" "$TA" '{}')" "a code in the URL: 400"
assert_contains "$(detail)" "body" "the code goes in the body"
assert_eq "422" "$(call POST "/v1/certificates/$CO/pickup" "$TA" "{\"code\":\"$wrong\"}")" "a wrong code: 422"
assert_contains "$(detail)" "wrong code (2 tries left)" "counted, with the tries left"
assert_eq "200" "$(call GET "/v1/certificates/$CO" "$TA")" "read again"
assert_eq "1|1" "$(jq_ "'%d|%d' % (d['wrongCodes'], d['wrongCodesTotal'])")" "one wrong code counted; B's try not at all"
assert_eq "200" "$(call POST "/v1/certificates/$CO/pickup" "$TA" "{\"code\":\"$code\"}")" "the right code: 200"
assert_eq "ems_requested" "$(jq_ "d['status']")" "EMS is asked for"
order=$(jq_ "d['emsOrderNo']")
assert_eq "409" "$(call POST "/v1/certificates/$CO/pickup" "$TA" "{\"code\":\"$code\"}")" "the code again: 409"
wait_delivered "the EMS order"
assert_eq "1" "$(stat_of ems unique)" "EMS got the order, decrypted and valid"
assert_contains "$(grep '"endpoint":"ems"' "$WORK/sink.jsonl" | grep '"accepted"' | head -n 1)" "$order" "the order is the certificate's"
assert_eq "200" "$(call GET "/v1/certificates/$CO" "$TO")" "the officer reads it"
assert_eq "requested deposited code_refused ems_requested|2" \
    "$(jq_ "' '.join(h['status'] for h in d['history'][:4]) + '|' + str([h['status'] for h in d['history']].count('code_refused'))")" \
    "with its history, the late code refused too"
"$KOUAN" cert -c "$CONF" show "$CO" > "$WORK/show.out" || fail "kouan cert show"
assert_contains "$(cat "$WORK/show.out")" "certificate $CO (agent $A): ordered" "kouan cert show reads what the API did"

# ---- decisions -------------------------------------------------------------

n=$(kn_psql "select count(*) from decision where equipment_reference = '$BOX_A'")
[ "$n" -ge 1 ] || fail "the broker took no decision for $BOX_A"
assert_eq "200" "$(call GET "/v1/containers/$BOX_A/decisions" "$TO")" "an officer reads a box's decisions"
assert_eq "$n" "$(jq_ "len(d['decisions'])")" "all $n of them"
assert_eq "$(kn_psql "select route from decision where equipment_reference = '$BOX_A' and route is not null order by id limit 1")" \
    "$(jq_ "[x for x in d['decisions'] if 'route' in x][0]['route']")" "with their routes"
assert_eq "True" "$(jq_ "all(isinstance(x['inputs'], dict) and isinstance(x['rules'], list) and x['party'] and x['action'] for x in d['decisions'])")" \
    "their inputs, rules, party and action"
assert_eq "True" "$(jq_ "len(d['visits']) >= 1 and d['visits'][0]['direction'] == 'import'")" "and the box's visits"
assert_eq "$n" "$("$KOUAN" why -c "$CONF" "$BOX_A" | grep -c 'decided by')" "as many as kouan why tells"
assert_eq "403" "$(call GET "/v1/containers/$BOX_A/decisions" "$TA")" "an agent: 403"
assert_eq "403" "$(call GET "/v1/containers/$BOX_A/decisions" "$TT")" "a terminal: 403"
assert_eq "404" "$(call GET "/v1/containers/ZZZU0000000/decisions" "$TO")" "a box without decisions: 404"
assert_eq "400" "$(call GET "/v1/containers/abc/decisions" "$TO")" "a malformed container number: 400"
assert_eq "403" "$(call POST "/v1/containers/$BOX_A/inspection-orders" "$TA" '{"examType":"MANUAL"}')" \
    "an agent cannot order an inspection (integration.api follows an officer's order to the broker)"

# ---- audit ------------------------------------------------------------------

audited() { kn_psql "select count(*) from audit where principal = '$1' and action = '$2' and result = $3${4:+ and resource = '$4'}"; }
assert_eq "1" "$(audited agent-a 'POST /v2/event-subscriptions' 201 "$SUB")" "the creation is audited"
assert_eq "1" "$(audited agent-a 'PUT /v2/event-subscriptions' 200 "$SUB")" "the change"
assert_eq "1" "$(audited agent-a 'PUT /v2/event-subscriptions/secret' 204 "$SUB")" "the new secret"
assert_eq "1" "$(audited agent-a 'DELETE /v2/event-subscriptions' 204 "$SUB")" "the deletion"
assert_eq "1" "$(audited agent-b 'DELETE /v2/event-subscriptions' 404 "$SUB")" "another agent's refused deletion"
assert_eq "1" "$(audited agent-a 'POST /v2/event-subscriptions' 404 "$BOX_B")" "the refused look at B's box"
assert_eq "1" "$(audited agent-a 'POST /v1/certificates' 201 "$CO")" "the certificate request"
assert_eq "1" "$(audited officer-1 'POST /v1/certificates/deposit' 200 "$CO")" "the deposit"
assert_eq "1" "$(audited agent-a 'POST /v1/certificates/pickup' 422 "$CO")" "the wrong code"
assert_eq "1" "$(audited agent-a 'POST /v1/certificates/pickup' 200 "$CO")" "the right one"
assert_eq "1" "$(audited agent-b 'POST /v1/certificates/pickup' 404 "$CO")" "B's try"
assert_eq "1" "$(audited agent-b 'GET /v1/certificates' 404 "$CO")" "B's look"
assert_eq "1" "$(audited officer-1 'GET /v1/containers/decisions' 200 "$BOX_A")" "the decisions read"
assert_eq "0" "$(kn_psql "select count(*) from audit where resource like '%$code%' or action like '%$code%'")" "the code is not in audit"
grep -q "$code" "$WORK/api.log" && fail "the code is in kouan api's log"
pass "nor in kouan api's log"

# a clean stop: every request's memory given back (a sanitized build reports here)
kill -TERM "$API_PID"
wait "$API_PID" || fail "kouan api exited with $? on SIGTERM: $(tail -5 "$WORK/api.log")"
grep -q 'Sanitizer\|runtime error' "$WORK/api.log" && fail "kouan api's sanitizer report: $(grep -A20 Sanitizer "$WORK/api.log")"
pass "kouan api stops cleanly"
