#!/usr/bin/env bash
# The broker is SIGKILLed between receiving a message and acknowledging it —
# once before its transaction commits, once after — the client resends to the
# restarted broker, and exactly one row results each time.
. "$(dirname "$0")/lib.sh"
kn_setup
kn_db_start

for point in crash-before-commit crash-after-commit; do
    spool=$WORK/$point
    mkdir -p "$spool"
    # a valid COARRI whose interchange reference (and so message id) is this round's
    sed "s/XHCT000101/$(echo "${point:6:6}" | tr a-z- A-Z0)/g" "$KN_SAMPLES_DIR/terminal/coarri-discharge.edi" > "$spool/coarri-discharge.edi"
    id=$(kn_msg_id "$spool/coarri-discharge.edi")

    kn_broker_start KOUAN_FAULT=$point
    kn_send "$spool" > "$WORK/send-$point.out" 2>&1 &
    send_pid=$!
    kn_broker_wait
    assert_eq 137 "$BROKER_STATUS" "$point: broker killed by SIGKILL at the fault point"
    rows=$(kn_psql "select count(*) from inbound where msg_id='$id'")
    if [ "$point" = crash-before-commit ]; then
        assert_eq 0 "$rows" "$point: nothing stored before the commit"
    else
        assert_eq 1 "$rows" "$point: stored, but the ACK never left"
    fi
    [ -f "$spool/coarri-discharge.edi" ] || fail "$point: file moved without an ACK"
    pass "$point: client still holds the file"

    kn_broker_start
    wait "$send_pid" && rc=0 || rc=$?
    assert_eq 0 "$rc" "$point: client got its ACK from the restarted broker"
    assert_contains "$(cat "$WORK/send-$point.out")" "accepted  $spool/coarri-discharge.edi" "$point: accepted"
    assert_eq 1 "$(kn_psql "select count(*) from inbound where msg_id='$id'")" "$point: exactly one row"
    kill -TERM "$BROKER_PID"; kn_broker_wait
done
