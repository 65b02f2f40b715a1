#!/usr/bin/env bash
# SIGTERM in the middle of a stream: the broker writes and acknowledges what it
# has taken, exits 0, and a restarted broker takes the rest; every message ends
# up stored exactly once and every acknowledged one is stored.
. "$(dirname "$0")/lib.sh"
kn_setup
kn_db_start
kn_broker_start

N=300
spool=$WORK/spool
mkdir -p "$spool"
for i in $(seq -w 1 $N); do
    sed "s/XHCT000101/XHCT$i/g" "$KN_SAMPLES_DIR/terminal/coarri-discharge.edi" > "$spool/m$i.edi"
done
kn_send -w 32 -q "$spool" > "$WORK/send.out" 2>&1 &
send_pid=$!
for _ in $(seq 1 200); do
    [ "$(ls "$spool/done" 2>/dev/null | wc -l)" -ge 30 ] && break
    sleep 0.02
done
kill -TERM "$BROKER_PID"; kn_broker_wait
assert_eq 0 "$BROKER_STATUS" "SIGTERM mid-stream: clean exit"
assert_contains "$(tail -n 1 "$WORK/broker.log")" "stopped received=" "the broker says what it did"
sha256sum "$spool"/done/*.edi | cut -c1-32 | sort > "$WORK/acked.ids"
kn_psql "select msg_id from inbound order by 1" | sort > "$WORK/stored.ids"
assert_eq 0 "$(comm -23 "$WORK/acked.ids" "$WORK/stored.ids" | wc -l)" "everything acknowledged before the stop is stored"

kn_broker_start
wait "$send_pid" && rc=0 || rc=$?
assert_eq 0 "$rc" "the client finished against the restarted broker"
assert_eq $N "$(ls "$spool/done" | wc -l)" "all files in done/"
assert_eq $N "$(kn_psql "select count(*) from inbound")" "one row per message"
assert_eq $((3 * N)) "$(kn_psql "select count(*) from event")" "three events per message, none twice"
