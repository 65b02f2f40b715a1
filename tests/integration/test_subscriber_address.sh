#!/usr/bin/env bash
# A DCSA subscriber names its own callback URL; kouan notify calls it only at
# a public address.  A subscription whose callback resolves to loopback (here
# the real kouan sink, on 127.0.0.1) is refused at the socket — not called —
# and disabled with the reason, its pending callbacks cancelled.
. "$(dirname "$0")/lib.sh"
kn_setup
kn_sink_start 3000
cat >> "$CONF" <<CONF

[notify]
subscriber_private_ok = false
max_attempts = 3
backoff_min_ms = 50
backoff_max_ms = 200
CONF
kn_db_start
kn_broker_start
"$KOUAN" notify -c "$CONF" >> "$WORK/notify.log" 2>&1 &
KN_PIDS+=($!)
S=$KN_SAMPLES_DIR

out=$("$KOUAN" subscription -c "$CONF" add --url "$SINK/dcsa/internal" \
      --secret "$(cat "$WORK/dcsa.secret")" --equipment COSU6123451) || fail "subscription add: $out"
sub=$(echo "$out" | grep -Eo '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' | head -n 1)
"$KOUAN" send -c "$CONF" -q --keep -k "$WORK/customs.key" "$S/customs/clm10041-discharge-instruction.xml" \
    >/dev/null || fail "customs sample"
for _ in $(seq 1 100); do
    [ -n "$(kn_psql "select disabled_at from subscription where id = '$sub' and disabled_at is not null")" ] && break
    sleep 0.1
done
assert_contains "$(kn_psql "select disabled_reason from subscription where id = '$sub'")" \
    "callback address not public" "the loopback subscriber is disabled, saying why"
assert_eq "0" "$(curl -fsS "$SINK/_sink/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['dcsa']['received'])")" \
    "and was never called"
assert_eq "0" "$(kn_psql "select count(*) from outbox where endpoint = 'subscription:$sub' and status = 'pending'")" \
    "nothing of it left pending"
