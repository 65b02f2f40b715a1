#!/usr/bin/env bash
# The broker's store (broker/store.c) against a real PostgreSQL, below the
# broker: batches whose outcome depends on how the one batch statement runs.
source "$(dirname "$0")/lib.sh"
: "${KN_STORE_BATCH:?KN_STORE_BATCH must name the kn_store_batch driver}"

kn_setup
kn_db_start
out=$("$KN_STORE_BATCH" "$("$KOUAN" db -c "$CONF" conninfo)") || fail "kn_store_batch: $out"
echo "$out"

# what the batches left in the tables
assert_eq "m1 m2 m3" "$(kn_psql "select string_agg(msg_id, ' ' order by msg_id) from inbound")" \
    "each message stored once"
assert_eq "MSCU5510221 2026-11-22 00:00:00+00|COSU6123451 2026-11-22 00:05:00+00" \
    "$(kn_psql "set timezone = 'UTC'; select string_agg(equipment_reference || ' ' || event_datetime, '|' order by id) from event")" \
    "the resent message's refused event is not stored; the new message's is"
assert_eq "COSU6123451 YARD" "$(kn_psql "select equipment_reference || ' ' || route from decision")" \
    "the rules' decision is written with the batch"
assert_eq "COSU6123451 DISCHARGED" "$(kn_psql "select equipment_reference || ' ' || phase from visit")" \
    "and the visit"
assert_eq "status-test-1" "$(kn_psql "select notification_id from outbox")" "and the notification"
assert_eq "rejected PARSE" "$(kn_psql "select status || ' ' || error_code from inbound where msg_id = 'm3'")" \
    "a refused message is kept with its reason"
