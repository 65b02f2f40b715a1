#!/usr/bin/env bash
# kouan parse: the events a party's file yields, as JSON lines with DCSA field
# names, or the error with its position and a non-zero exit.
set -euo pipefail
: "${KOUAN:?}" "${KN_SAMPLES_DIR:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
assert_eq() { [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"; pass "$3"; }
assert_contains() { case "$1" in *"$2"*) pass "$3" ;; *) fail "$3: '$2' not in: $1" ;; esac; }

out=$("$KOUAN" parse --role terminal "$KN_SAMPLES_DIR/terminal/coarri-discharge.edi")
assert_eq 3 "$(echo "$out" | wc -l)" "one line per discharged box"
line=$(echo "$out" | sed -n 3p)
assert_contains "$line" '"eventType":"EQUIPMENT"' "eventType"
assert_contains "$line" '"equipmentEventTypeCode":"DISC"' "equipmentEventTypeCode"
assert_contains "$line" '"equipmentReference":"OOLU8890211"' "equipmentReference"
assert_contains "$line" '"transportDocumentReference":"COSU8801234569"' "transportDocumentReference"
assert_contains "$line" '"eventDateTime":"2026-11-22T08:19:00+08:00"' "eventDateTime"
assert_contains "$line" '"temperatureSetting":"-18.0 CEL"' "reefer set point"
assert_contains "$line" '"warnings":[]' "warnings array"

out=$("$KOUAN" parse --role customs "$KN_SAMPLES_DIR/customs/clm10021-inspection-order-gbk.xml")
assert_contains "$out" '"agentName":"厦门昇亿物流有限公司"' "GBK agent name comes out as UTF-8"
assert_contains "$out" '"shipmentEventTypeCode":"HOLD"' "inspection order is a customs hold"
assert_contains "$out" '"examType":"MANUAL"' "exam type"

out=$("$KOUAN" parse --role tax "$KN_SAMPLES_DIR/tax/duty-paid.xml")
assert_contains "$out" '"taxStatus":"PAID"' "duty paid"

out=$("$KOUAN" parse --role terminal "$KN_SAMPLES_DIR/bad/coarri-bad-checkdigit.edi")
assert_contains "$out" '"warnings":[{"code":"CHECK_DIGIT","text":"container number MSCU5510221 fails the ISO 6346 check digit (should be 0)"}]' "check digit warning"

err=$("$KOUAN" parse --role terminal "$KN_SAMPLES_DIR/bad/coarri-wrong-segment-count.edi" 2>&1) && rc=0 || rc=$?
assert_eq 1 "$rc" "a refused file exits 1"
assert_contains "$err" "PARSE: segment 26 (UNT): edifact: element 1: segment count says 31, message has 26" "the error names segment and element"
err=$("$KOUAN" parse --role customs "$KN_SAMPLES_DIR/bad/customs-xxe.xml" 2>&1) && rc=0 || rc=$?
assert_eq 1 "$rc" "XXE refused"
assert_contains "$err" "DOCTYPE not allowed" "and says why"
err=$("$KOUAN" parse --role shipowner x 2>&1) && rc=0 || rc=$?
assert_eq 2 "$rc" "an unknown role is a usage error"
