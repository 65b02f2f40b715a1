#!/usr/bin/env bash
# Messages in, stored raw, ACK after commit; a refusal is stored with its
# reason and NACKed; a resend is acknowledged again and applied once; a broken
# frame is NACKed and the broker keeps running.
. "$(dirname "$0")/lib.sh"
kn_setup
kn_db_start
kn_broker_start

mkdir -p "$WORK/terminal" "$WORK/customs"
cp "$KN_SAMPLES_DIR"/terminal/*.edi "$WORK/terminal/"
cp "$KN_SAMPLES_DIR"/customs/*.xml "$WORK/customs/"
cp "$KN_SAMPLES_DIR"/customs/clm10011-release.xml "$WORK/terminal/zz-customs-file-from-terminal.xml"

out=$(kn_send "$WORK/terminal") && rc=0 || rc=$?
assert_eq 1 "$rc" "send exits 1 when a message was refused"
assert_eq 3 "$(ls "$WORK/terminal/done" | wc -l)" "three terminal files moved to done/"
assert_eq "ROLE: party xhct (terminal, format edifact) may not send content type application/xml" \
    "$(cat "$WORK/terminal/failed/zz-customs-file-from-terminal.xml.reason")" ".reason beside the refused file"
assert_contains "$out" "refused   $WORK/terminal/zz-customs-file-from-terminal.xml  ROLE:" "send says what was refused"

out=$(kn_send -k "$WORK/customs.key" "$WORK/customs")
assert_eq 4 "$(ls "$WORK/customs/done" | wc -l)" "customs files accepted"

# stored: party, raw bytes, status and reason
assert_eq 3 "$(kn_psql "select count(*) from inbound where party='xhct' and status='accepted'")" "terminal rows"
assert_eq 4 "$(kn_psql "select count(*) from inbound where party='customs-3701' and status='accepted'")" "customs rows"
id=$(kn_msg_id "$WORK/terminal/failed/zz-customs-file-from-terminal.xml")
assert_eq "rejected|ROLE" "$(kn_psql "select status, error_code from inbound where party='xhct' and msg_id='$id'")" "refused message stored"
stored=$(kn_psql "select encode(payload,'hex') from inbound where party='xhct' and msg_id='$id'")
assert_eq "$(od -An -v -tx1 "$WORK/terminal/failed/zz-customs-file-from-terminal.xml" | tr -d ' \n')" "$stored" "raw bytes kept exactly"

# events: one per container fact, in the same transaction as the message
assert_eq 6 "$(kn_psql "select count(*) from event where party='xhct'")" "terminal events stored (3 DISC, 1 GTIN, 2 GTOT)"
id=$(kn_msg_id "$WORK/terminal/done/coarri-discharge.edi")
assert_eq "1|DISC|COSU6123451|COSU8801234567|2026-11-22 00:12:00+00
2|DISC|CSNU7041125|COSU8801234568|2026-11-22 00:15:00+00
3|DISC|OOLU8890211|COSU8801234569|2026-11-22 00:19:00+00" \
    "$(kn_psql "set timezone='UTC'; select seq, event_code, equipment_reference, transport_document_reference, event_datetime from event where msg_id='$id' order by seq")" \
    "discharge events with box, bill and time"
assert_eq "3|3" "$(kn_psql "select events, (select count(*) from event e where e.msg_id=i.msg_id) from inbound i where msg_id='$id'")" "inbound counts the events"
assert_eq "9812345|118E|-18.0 CEL" "$(kn_psql "select vessel_imo, voyage, detail->>'temperatureSetting' from event where msg_id='$id' and seq=3")" "event detail in DCSA terms"
assert_eq 6 "$(kn_psql "select count(*) from event where party='customs-3701'")" "customs events stored (3 APPR, 2 HOLD, 1 RELS)"

# a data-quality warning: accepted, the ACK and the row say so
cp "$KN_SAMPLES_DIR/bad/coarri-bad-checkdigit.edi" "$WORK/terminal/"
out=$(kn_send "$WORK/terminal/coarri-bad-checkdigit.edi")
assert_contains "$out" "warnings: MSCU5510221: CHECK_DIGIT: container number MSCU5510221 fails the ISO 6346 check digit" "the ACK carries the warning"
assert_eq "t" "$(kn_psql "select has_warnings from event where equipment_reference='MSCU5510221'")" "the event is flagged"

# every bad sample: refused with a clear reason and kept raw in inbound
mkdir -p "$WORK/bad-edi" "$WORK/bad-xml"
cp "$KN_SAMPLES_DIR"/bad/*.edi "$WORK/bad-edi/"
rm "$WORK/bad-edi/coarri-bad-checkdigit.edi" # accepted with a warning, above
cp "$KN_SAMPLES_DIR"/bad/*.xml "$WORK/bad-xml/"
kn_send "$WORK/bad-edi" >/dev/null || true
kn_send -k "$WORK/customs.key" "$WORK/bad-xml" >/dev/null || true
for f in "$WORK"/bad-edi/failed/*.edi "$WORK"/bad-xml/failed/*.xml; do
    id=$(kn_msg_id "$f")
    assert_eq "rejected|$(cut -d: -f1 "$f.reason")" \
        "$(kn_psql "select status, error_code from inbound where msg_id='$id'")" "$(basename "$f") refused and kept"
done
assert_eq 0 "$(ls "$WORK/bad-edi/done" "$WORK/bad-xml/done" 2>/dev/null | grep -c '\.')" "no bad sample accepted"
assert_contains "$(cat "$WORK/bad-edi/failed/coarri-truncated.edi.reason")" "PARSE: segment 18 (MEA): edifact: input ends after this segment" "truncated interchange: where it stopped"
assert_contains "$(cat "$WORK/bad-edi/failed/coarri-wrong-segment-count.edi.reason")" "segment 26 (UNT): edifact: element 1: segment count says 31, message has 26" "wrong segment count: which segment and element"
assert_contains "$(cat "$WORK/bad-xml/failed/customs-xxe.xml.reason")" "XML: xml: line 2: DOCTYPE not allowed" "XXE refused before parsing"
assert_contains "$(cat "$WORK/bad-xml/failed/customs-entity-expansion.xml.reason")" "DOCTYPE not allowed" "entity expansion refused before parsing"
assert_contains "$(cat "$WORK/bad-xml/failed/customs-unknown-type.xml.reason")" "UNKNOWN: /MESSAGE/MESSAGE_HEAD/MESSAGE_TYPE: customs: unknown message type CLM99999" "unknown type named"
assert_contains "$(cat "$WORK/bad-xml/failed/customs-not-well-formed.xml.reason")" "XML: xml: line 2: opening and ending tag mismatch" "not well formed: the line"
assert_eq 0 "$(kn_psql "select count(*) from inbound where position('root:x:0:0'::bytea in payload) > 0")" "nothing of /etc/passwd was read into the store"

# resend: acknowledged again (same answer), applied once
before=$(kn_psql "select count(*) from inbound")
out=$(kn_send --keep "$WORK/terminal/done/coarri-discharge.edi")
assert_contains "$out" "accepted  $WORK/terminal/done/coarri-discharge.edi" "a resent message is ACKed again"
out=$(kn_send --keep "$WORK/terminal/failed/zz-customs-file-from-terminal.xml") || true
assert_contains "$out" "refused" "a resent refused message is NACKed again"
assert_eq "$before" "$(kn_psql "select count(*) from inbound")" "resends change nothing"

# the same content under another party is another message
out=$(kn_send --keep -k "$WORK/customs.key" "$WORK/terminal/done/coarri-discharge.edi") || true
assert_contains "$out" "refused" "terminal EDIFACT from the customs party is refused"
assert_eq $((before + 1)) "$(kn_psql "select count(*) from inbound")" "stored under the customs party"

# broken frames: NACKed with a reason, stored, broker still serving
reply=$("$KN_POKE" "ipc://$WORK/broker.sock" "$WORK/broker.pub" "$WORK/xhct.key" KN1 MSG bad-1 application/edifact)
assert_eq "KN1 | NACK | bad-1 | WIRE | wire: MSG has 4 frames, expected 5" "$reply" "short MSG NACKed naming the id"
reply=$("$KN_POKE" "ipc://$WORK/broker.sock" "$WORK/broker.pub" "$WORK/xhct.key" HELLO)
assert_eq "KN1 | NACK |  | WIRE | wire: 1 frame, a message has at least 3" "$reply" "garbage NACKed"
reply=$("$KN_POKE" "ipc://$WORK/broker.sock" "$WORK/broker.pub" "$WORK/xhct.key" KN1 ACK m1 0)
assert_eq "KN1 | NACK | m1 | WIRE | frame 2: wire: a party does not send ACK" "$reply" "a party cannot send ACK"
assert_eq 3 "$(kn_psql "select count(*) from inbound where error_code='WIRE' and msg_id is null")" "broken frames kept, without claiming an id"
assert_eq "5:HELLO," "$(kn_psql "select convert_from(payload,'UTF8') from inbound where error_code='WIRE' and payload = '\x353a48454c4c4f2c'::bytea")" "broken frames kept as netstrings"
reply=$("$KN_POKE" "ipc://$WORK/broker.sock" "$WORK/broker.pub" "$WORK/xhct.key" KN1 MSG bad-1 application/edifact "$(cat "$KN_SAMPLES_DIR/terminal/codeco-gate-in-export.edi")")
assert_eq "KN1 | ACK | bad-1 | 1" "$reply" "the corrected message under the same id is taken"

# empty payload: refused by the reader, stored
reply=$("$KN_POKE" "ipc://$WORK/broker.sock" "$WORK/broker.pub" "$WORK/xhct.key" KN1 MSG empty-1 application/edifact "")
assert_eq "KN1 | NACK | empty-1 | PARSE | edifact: empty input: no UNB" "$reply" "empty message refused with a reason"

kill -TERM "$BROKER_PID"; kn_broker_wait
assert_eq 0 "$BROKER_STATUS" "broker exits 0 on SIGTERM"
assert_contains "$(tail -n 1 "$WORK/broker.log")" "stopped received=" "broker logs its totals when it stops"
