#!/usr/bin/env bash
# The HTTP API against the real broker's data: the small simulated day goes
# through the broker, then kouan api answers principals made with kouan
# principal.  Checked: health and metrics; no token, a wrong one and a
# revoked one are refused (401, problem+json); an officer sees every event,
# page by page through Next-Page, each once; an agent sees exactly the cargo
# of the bills customs names it on, and another company's box is answered as
# unknown (404 / no events); filters and validation errors name the
# parameter; every answer with cargo data is in audit.
. "$(dirname "$0")/lib.sh"
kn_setup
cat >> "$CONF" <<CONF

[sim]
terminal_key_file = xhct.key
customs_key_file = customs.key
tax_key_file = xmtax.key

[api]
listen = 127.0.0.1:0
page_size = 50
page_max = 500
customs_key_file = customs.key
CONF
kn_db_start
kn_broker_start
"$KOUAN" sim run -c "$CONF" -o "$WORK/report" "$KN_SOURCE_DIR/conf/scenarios/small.ini" \
    > "$WORK/sim.out" 2>&1 || fail "kouan sim run: $(cat "$WORK/sim.out")"

# two agents with cargo in the day, and a box of the first
agents=$(kn_psql "select distinct agent_code from event where agent_code is not null order by 1 limit 2")
A=$(echo "$agents" | sed -n 1p)
B=$(echo "$agents" | sed -n 2p)
[ -n "$A" ] && [ -n "$B" ] || fail "the small day names fewer than two agents: '$agents'"
assert_eq "0" "$(kn_psql "select count(*) from event where agent_code is distinct from detail->>'agentCode'")" \
    "every event's agent column says what its DCSA body says"
mine="with mine as (select distinct transport_document_reference bill from event where detail->>'agentCode' = '$A')
      select count(*) from event e where e.transport_document_reference in (select bill from mine)
         or e.equipment_reference in (select equipment_reference from event where transport_document_reference in (select bill from mine))"
BOX=$(kn_psql "select equipment_reference from event where transport_document_reference in
               (select transport_document_reference from event where detail->>'agentCode' = '$A')
               and equipment_reference is not null order by 1 limit 1")
[ -n "$BOX" ] || fail "no box for agent $A"

token() { sed -n 's/.*: token \(kn_[A-Za-z0-9_-]*\)$/\1/p'; }
TA=$("$KOUAN" principal -c "$CONF" add agent-a --role agent --agent "$A" | token)
TB=$("$KOUAN" principal -c "$CONF" add agent-b --role agent --agent "$B" | token)
TO=$("$KOUAN" principal -c "$CONF" add officer-1 --role officer | token)
[ ${#TA} = 46 ] && [ ${#TB} = 46 ] && [ ${#TO} = 46 ] || fail "kouan principal add printed no token"
assert_eq "0" "$(kn_psql "select count(*) from principal where position('$TA' in encode(token_hash, 'escape')) > 0")" \
    "the token itself is not stored"
out=$("$KOUAN" principal -c "$CONF" add agent-c --role agent 2>&1) && fail "an agent without a code was added"
assert_contains "$out" "--agent CODE is required" "an agent needs its code"

"$KOUAN" api -c "$CONF" > "$WORK/api.out" 2> "$WORK/api.log" &
KN_PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$WORK/api.out" ] && break; sleep 0.05; done
API=http://$(sed -n 's/^api listening on //p' "$WORK/api.out")
[ "$API" != http:// ] || fail "kouan api did not say where it listens: $(cat "$WORK/api.log")"

# get PATH [TOKEN]: the status line's code, the headers in $WORK/h, the body in $WORK/b
get() {
    local auth=()
    [ -n "${2:-}" ] && auth=(-H "Authorization: Bearer $2")
    curl -sS -o "$WORK/b" -D "$WORK/h" -w '%{http_code}' "${auth[@]}" "$API$1"
}
jq_() { python3 -c "import json,sys; d=json.load(open('$WORK/b')); print($1)"; }

assert_eq "200" "$(get /healthz)" "healthz"
assert_eq "ok" "$(jq_ "d['status']")" "healthz says ok"
assert_eq "200" "$(get /metrics)" "metrics"
n=$(kn_psql "select count(*) from inbound where status = 'accepted'")
grep -q "^kouan_inbound_messages_total{status=\"accepted\"} $n\$" "$WORK/b" ||
    fail "metrics do not count the $n accepted messages: $(head -5 "$WORK/b")"
grep -q '^kouan_outbox_depth\|^# TYPE kouan_outbox_depth gauge' "$WORK/b" || fail "no outbox depth"
# the broker's own counts, written every 5 s: every message of the day acknowledged, each
# with its latency in the histogram, in batches whose sizes add up
for _ in $(seq 1 80); do
    get /metrics > /dev/null
    grep -q "^kouan_broker_messages_total{instance=\"[^\"]*\",result=\"acked\"} $n\$" "$WORK/b" && break
    sleep 0.1
done
grep -q "^kouan_broker_messages_total{instance=\"[^\"]*\",result=\"acked\"} $n\$" "$WORK/b" ||
    fail "the broker's metrics do not show the $n messages acknowledged: $(grep kouan_broker "$WORK/b" | head -5)"
grep -q "^kouan_broker_ack_latency_seconds_bucket{instance=\"[^\"]*\",le=\"+Inf\"} $n\$" "$WORK/b" ||
    fail "the ACK latency histogram does not count the $n replies"
grep -q "^kouan_broker_ack_latency_seconds_count{instance=\"[^\"]*\"} $n\$" "$WORK/b" || fail "latency count"
# everything taken off the socket (messages, READY, OUTACKs) went in a batch
took=$(sed -n 's/^kouan_broker_messages_total{instance="[^"]*",result="received"} \([0-9]*\)$/\1/p' "$WORK/b")
[ "$took" -ge "$n" ] || fail "the broker says it took $took, fewer than the $n messages"
grep -q "^kouan_broker_batch_size_sum{instance=\"[^\"]*\"} $took\$" "$WORK/b" ||
    fail "batch sizes do not add up to the $took taken"
grep -q '^# TYPE kouan_broker_ingest_rate gauge' "$WORK/b" || fail "no ingest rate"
pass "the broker's messages, batch sizes and ACK latency histogram"

# who may ask
assert_eq "401" "$(get /v2/events)" "no token: 401"
grep -qi '^content-type: application/problem+json' "$WORK/h" || fail "401 is not problem+json"
grep -qi '^www-authenticate: bearer' "$WORK/h" || fail "401 without WWW-Authenticate"
assert_contains "$(jq_ "d['detail']")" "Bearer token is required" "the problem says what is missing"
assert_eq "401" "$(get /v2/events kn_not-a-token)" "an unknown token: 401"

# the officer: every event, page by page, each once
total=$(kn_psql "select count(*) from event")
assert_eq "200" "$(get "/v2/events?limit=500" "$TO")" "officer reads events"
assert_eq "$total" "$(jq_ "len(d)")" "the officer sees every event"
path="/v2/events?limit=7"
: > "$WORK/ids"
pages=0
while [ -n "$path" ]; do
    assert_eq "200" "$(get "$path" "$TO")" "page $pages" >/dev/null
    jq_ "'\n'.join(e['eventID'] for e in d)" >> "$WORK/ids"
    pages=$((pages + 1))
    [ $pages -le 100 ] || fail "more than 100 pages"
    path=$(sed -n 's/^[Nn]ext-[Pp]age: \(.*\)\r$/\1/p' "$WORK/h")
done
assert_eq "$total" "$(sort -u "$WORK/ids" | grep -c .)" "Next-Page walks every event once ($pages pages of 7)"
assert_eq "$total" "$(grep -c . "$WORK/ids")" "and none twice"

# the agent: its own cargo, nothing else
want=$(kn_psql "$mine")
[ "$want" -gt 0 ] || fail "agent $A has no events"
assert_eq "200" "$(get "/v2/events?limit=500" "$TA")" "agent reads events"
assert_eq "$want" "$(jq_ "len(d)")" "agent $A sees the events of its own cargo, all of them"
assert_eq "200" "$(get "/v1/containers/$BOX/timeline" "$TA")" "its box's timeline"
assert_eq "$BOX" "$(jq_ "d['equipmentReference']")" "the timeline is the box's"
assert_eq "$(kn_psql "select count(*) from event where equipment_reference = '$BOX' or (equipment_reference is null
             and transport_document_reference in (select transport_document_reference from event where equipment_reference = '$BOX'))")" \
    "$(jq_ "len(d['events'])")" "the timeline has the box's events and its bills' (the duty paid)"
assert_eq "True" "$(jq_ "any(e.get('equipmentReference') is None for e in d['events'])")" "a bill-only event among them"
jq_ "d['visit']['route']" > /dev/null || fail "the timeline has no route"
BILL=$(kn_psql "select transport_document_reference from event where equipment_reference = '$BOX' and transport_document_reference is not null limit 1")
assert_eq "200" "$(get "/v1/bills/$BILL/timeline" "$TA")" "its bill's timeline"
assert_eq "$(kn_psql "select string_agg(distinct equipment_reference, ' ' order by equipment_reference) from event where transport_document_reference = '$BILL'")" \
    "$(jq_ "' '.join(c['equipmentReference'] for c in d['containers'])")" "the bill's boxes"
assert_eq "$(kn_psql "select count(*) from event where transport_document_reference = '$BILL' or equipment_reference in
             (select equipment_reference from event where transport_document_reference = '$BILL')")" \
    "$(jq_ "len(d['events'])")" "the bill's events and its boxes'"
assert_eq "404" "$(get "/v1/bills/$BILL/timeline" "$TB")" "another company's bill: 404"
assert_eq "404" "$(get "/v1/containers/$BOX/timeline" "$TB")" "another company's box: 404, not 403"
assert_eq "404" "$(get "/v1/containers/ZZZU0000000/timeline" "$TB")" "as a box that does not exist"
assert_eq "200" "$(get "/v2/events?equipmentReference=$BOX" "$TB")" "filtering on another company's box"
assert_eq "0" "$(jq_ "len(d)")" "gives no events"

# a container reused: the same box on another company's bill later (a customs hold
# naming agent B).  Neither company sees the other's events of it, nor its route now.
kn_psql "insert into event (party, msg_id, seq, event_type, event_code, classifier, event_datetime,
         equipment_reference, transport_document_reference, agent_code, detail)
         values ('customs-3701', 'reuse-1', 1, 'SHIPMENT', 'HOLD', 'ACT', now(), '$BOX', 'OTHERBILL999',
         '$B', json_build_object('eventType', 'SHIPMENT', 'equipmentReference', '$BOX',
                           'transportDocumentReference', 'OTHERBILL999', 'agentCode', '$B'))" >/dev/null
assert_eq "200" "$(get "/v2/events?transportDocumentReference=OTHERBILL999" "$TA")" "agent A asks for the new bill"
assert_eq "0" "$(jq_ "len(d)")" "and sees nothing of it"
assert_eq "200" "$(get "/v2/events?equipmentReference=$BOX&limit=500" "$TA")" "agent A asks for the box"
assert_eq "True" "$(jq_ "all(e.get('transportDocumentReference') not in (None, 'OTHERBILL999') for e in d)")" \
    "and sees only the events of its own bill"
assert_eq "200" "$(get "/v2/events?equipmentReference=$BOX&limit=500" "$TB")" "agent B asks for the box"
assert_eq "OTHERBILL999" "$(jq_ "' '.join(sorted(set(str(e.get('transportDocumentReference')) for e in d)))")" \
    "and sees only its own bill's event"
assert_eq "200" "$(get "/v1/containers/$BOX/timeline" "$TA")" "agent A's timeline of the box"
assert_eq "False" "$(jq_ "'visit' in d")" "no longer shows the box's route (it is the new holder's)"
kn_psql "delete from event where msg_id = 'reuse-1'" >/dev/null

# filters
assert_eq "200" "$(get "/v2/events?eventType=SHIPMENT&limit=500" "$TO")" "eventType filter"
assert_eq "$(kn_psql "select count(*) from event where event_type = 'SHIPMENT'")" "$(jq_ "len(d)")" \
    "SHIPMENT events only, all of them"
assert_eq "True" "$(jq_ "all(e['eventType'] == 'SHIPMENT' for e in d)")" "and nothing else"
assert_eq "200" "$(get "/v2/events?equipmentReference=$BOX&limit=500" "$TO")" "equipmentReference filter"
assert_eq "$(kn_psql "select count(*) from event where equipment_reference = '$BOX'")" "$(jq_ "len(d)")" \
    "the box's events"
assert_eq "200" "$(get "/v2/events?eventCreatedDateTime:gte=2099-01-01T00:00:00%2B08:00" "$TO")" "a future range"
assert_eq "0" "$(jq_ "len(d)")" "is empty"
assert_eq "200" "$(get "/v2/events?eventCreatedDateTime:lt=2099-01-01T00:00:00Z&limit=500" "$TO")" "a past range"
assert_eq "$total" "$(jq_ "len(d)")" "has everything"

# validation: 400, naming the parameter
for q in "limit=0:limit" "limit=abc:limit" "limit=501:limit" "eventType=FOO:eventType" \
         "eventCreatedDateTime:gte=yesterday:eventCreatedDateTime:gte" "colour=red:colour" \
         "cursor=zzz:cursor" "eventCreatedDateTime=2026-11-22:eventCreatedDateTime"; do
    assert_eq "400" "$(get "/v2/events?${q%:*}" "$TO")" "bad ${q%:*}: 400"
    assert_contains "$(jq_ "d['detail']")" "${q##*:}" "the problem names ${q##*:}" >/dev/null
done
assert_eq "400" "$(get /v1/containers/abc/timeline "$TO")" "a malformed container number: 400"
assert_eq "405" "$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TO" "$API/v2/events")" \
    "POST: 405"
assert_eq "404" "$(get /v2/nothing "$TO")" "an unknown path: 404"

# the audit trail
assert_eq "6" "$(kn_psql "select count(*) from audit where principal = 'agent-a'")" "agent-a's six reads audited"
assert_eq "1" "$(kn_psql "select count(*) from audit where principal = 'agent-b' and result = 404 and resource = '$BOX'")" \
    "the refused look at another company's box too"
assert_eq "$want" "$(kn_psql "select items from audit where principal = 'agent-a' and action = 'GET /v2/events' order by id limit 1")" \
    "with the number of events given"

# an officer's manual inspection order goes to the broker as customs' CLM10021:
# a sample box released with duty settled (DIRECT_PICKUP), then ordered to inspection
S=$KN_SAMPLES_DIR
"$KOUAN" send -c "$CONF" -q --keep -k "$WORK/customs.key" "$S/customs/clm10041-discharge-instruction.xml" \
    "$S/customs/clm10011-release.xml" >/dev/null || fail "customs samples"
"$KOUAN" send -c "$CONF" -q --keep -k "$WORK/xmtax.key" "$S/tax/guarantee-accepted.xml" >/dev/null || fail "tax sample"
assert_eq "DIRECT_PICKUP" "$(kn_psql "select route from visit where equipment_reference = 'COSU6123451' and closed_at is null")" \
    "the sample box goes straight to its truck"
order() { curl -sS -o "$WORK/b" -w '%{http_code}' -X POST -H "Authorization: Bearer $2" \
          -H 'Content-Type: application/json' -d "$3" "$API/v1/containers/$1/inspection-orders"; }
assert_eq "403" "$(order COSU6123451 "$TB" '{"examType":"MANUAL"}')" "an agent cannot order an inspection"
assert_eq "422" "$(order COSU6123451 "$TO" '{"examType":"no way"}')" "a bad exam type: 422"
assert_contains "$(jq_ "d['detail']")" "examType" "naming examType"
assert_eq "400" "$(order COSU6123451 "$TO" '{"examType":"MANUAL","colour":1}')" "an unknown member: 400"
assert_eq "404" "$(order ZZZU0000000 "$TO" '{"examType":"MANUAL"}')" "an unknown box: 404"
assert_eq "202" "$(order COSU6123451 "$TO" '{"examType":"MANUAL","note":"risk <profile> & seal"}')" \
    "the officer's order is taken by the broker"
msg=$(jq_ "d['messageId']")
assert_eq "1" "$(kn_psql "select count(*) from inbound where party = 'customs-3701' and msg_id = '$msg' and status = 'accepted'")" \
    "stored as customs' message"
assert_eq "INSPECTION_AREA" "$(kn_psql "select route from visit where equipment_reference = 'COSU6123451' and closed_at is null")" \
    "the box is routed to the inspection area"
assert_eq "1" "$(kn_psql "select count(*) from decision where equipment_reference = 'COSU6123451' and msg_id = '$msg' and route = 'INSPECTION_AREA'")" \
    "the decision names the officer's order"
assert_eq "1" "$(kn_psql "select count(*) from audit where principal = 'officer-1' and action = 'POST /v1/containers/inspection-orders' and result = 202")" \    "and the order is audited"
assert_eq "400" "$(get "/v2/events?cursor=cffffffffffffffff" "$TO")" "a cursor beyond 2^63: 400, not a database error"
assert_eq "400" "$(get "/v2/events?eventCreatedDateTime=2026" "$TO")" "a date-time too short: 400"

# revoked: refused at once, and its subscriptions stop
secret=$(head -c 32 /dev/urandom | base64 -w0)
assert_eq "201" "$(curl -sS -o "$WORK/b" -w '%{http_code}' -X POST -H "Authorization: Bearer $TA" \
    -H 'Content-Type: application/json' \
    -d "{\"callbackUrl\":\"http://127.0.0.1:9/cb\",\"secret\":\"$secret\",\"transportDocumentReference\":\"$BILL\"}" \
    "$API/v2/event-subscriptions")" "agent A subscribes to its bill"
out=$("$KOUAN" principal -c "$CONF" revoke agent-a) || fail "revoke"
assert_contains "$out" "1 of its subscriptions disabled" "revoking says what it stopped"
assert_eq "0" "$(kn_psql "select count(*) from subscription where owner = 'agent-a' and disabled_at is null")" \
    "no subscription of agent A is left active"
assert_eq "401" "$(get /v2/events "$TA")" "a revoked token: 401"
assert_contains "$("$KOUAN" principal -c "$CONF" list)" "agent-a" "principals are listed"
