#!/usr/bin/env bash
# PostgreSQL is stopped and restarted in the middle of a stream: the broker
# stops acknowledging, reconnects by itself (same process), and in the end
# every message is stored exactly once and nothing acknowledged is lost.
. "$(dirname "$0")/lib.sh"
kn_setup
kn_db_start
kn_broker_start
pid=$BROKER_PID

N=400
spool=$WORK/spool
mkdir -p "$spool"
for i in $(seq -w 1 $N); do
    sed "s/XHCT000101/XHCT$i/g" "$KN_SAMPLES_DIR/terminal/coarri-discharge.edi" > "$spool/m$i.edi"
done

kn_send -w 4 -q "$spool" > "$WORK/send.out" 2>&1 &
send_pid=$!
# let part of the stream through, then take the database away
for _ in $(seq 1 200); do
    [ "$(ls "$spool/done" 2>/dev/null | wc -l)" -ge 40 ] && break
    sleep 0.05
done
acked_before=$(ls "$spool/done" | wc -l)
[ "$acked_before" -lt "$N" ] || fail "the stream finished before PostgreSQL could be stopped"
kn_db_stop
sleep 1.5
during=$(ls "$spool/done" | wc -l)
sleep 1
assert_eq "$during" "$(ls "$spool/done" | wc -l)" "nothing acknowledged while PostgreSQL is down"
"$KOUAN" db -c "$CONF" start >/dev/null || fail "cannot restart PostgreSQL"

wait "$send_pid" && rc=0 || rc=$?
assert_eq 0 "$rc" "every message accepted in the end"
assert_eq "$pid" "$BROKER_PID" "the same broker process throughout"
kill -0 "$pid" || fail "broker died"
assert_eq $N "$(ls "$spool/done" | wc -l)" "all files in done/"
assert_eq $N "$(kn_psql "select count(*) from inbound")" "one row per message, no duplicates"
# every acknowledged file is in the database
sha256sum "$spool"/done/*.edi | cut -c1-32 | sort > "$WORK/acked.ids"
kn_psql "select msg_id from inbound order by 1" | sort > "$WORK/stored.ids"
assert_eq 0 "$(comm -23 "$WORK/acked.ids" "$WORK/stored.ids" | wc -l)" "nothing acknowledged is missing"
assert_contains "$(cat "$WORK/broker.log")" "database unavailable, holding" "the broker noticed the outage"
assert_eq 2 "$(grep -c "database connected" "$WORK/broker.log")" "and reconnected once"
