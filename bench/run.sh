#!/usr/bin/env bash
# bench/ingest: the broker against the minimal reference loop, in one run.
# Each round runs the same load against `kouan broker` and against
# kn_bench_refloop (ZeroMQ CURVE → one multi-row INSERT per batch → ACK) on
# the same private PostgreSQL; the table shows medians over the rounds and the
# ratio.  Loopback only (ipc sockets); every load is bounded in count and time.
#   bench/run.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
BUILD=$(realpath "${1:-build}")
ROUNDS=${2:-3}
KOUAN=$BUILD/kouan
LOAD=$BUILD/bench/kn_bench_load
REF=$BUILD/bench/kn_bench_refloop
PARTIES=8
THROUGHPUT_MSGS=${KN_BENCH_MSGS:-100000}
LATENCY_MSGS=${KN_BENCH_LATENCY_MSGS:-4000}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kouan-bench-XXXXXX")
chmod 755 "$WORK"
CONF=$WORK/kouan.conf
PID=
cleanup() {
    [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
    "$KOUAN" db -c "$CONF" stop >/dev/null 2>&1 || true
    [ -n "${KN_BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

cd "$WORK"
"$KOUAN" keygen broker >/dev/null
{
    printf '[broker]\nbind = ipc://%s/broker.sock\nsecret_key_file = broker.key\nlog_level = warning\n' "$WORK"
    printf '[database]\ndata_dir = pgdata\n'
    for p in $(seq 0 $((PARTIES - 1))); do
        "$KOUAN" keygen "p$p" >/dev/null
        printf '[party.p%d]\nrole = terminal\nformat = edifact\npublic_key_file = p%d.pub\n' "$p" "$p"
    done
} > "$CONF"
"$KOUAN" db -c "$CONF" start >/dev/null
"$KOUAN" db -c "$CONF" migrate >/dev/null
CONNINFO=$("$KOUAN" db -c "$CONF" conninfo)
# KN_BENCH_SQL: statements run once after the migrations, for experiments
# (e.g. an index dropped) — never set for the figures in README.md
[ -z "${KN_BENCH_SQL:-}" ] || psql "$CONNINFO" -XAtq -c "$KN_BENCH_SQL" >/dev/null
sql() { psql "$CONNINFO" -XAtq -c "$1" >/dev/null 2>&1 || true; }

start_kouan() {
    sql "TRUNCATE inbound, event, visit, decision, instruction"; sql "CHECKPOINT"
    "$KOUAN" broker -c "$CONF" 2>> "$WORK/kouan.log" &
    PID=$!
    for _ in $(seq 1 100); do [ -S "$WORK/broker.sock" ] && break; sleep 0.05; done
    sleep 0.2
}
start_ref() {
    sql "CHECKPOINT"
    "$REF" "ipc://$WORK/broker.sock" broker.key "$CONNINFO" 1024 2>> "$WORK/ref.log" &
    PID=$!
    for _ in $(seq 1 100); do grep -q ready "$WORK/ref.log" 2>/dev/null && break; sleep 0.05; done
    sleep 0.2
}
stop() { kill -TERM "$PID"; wait "$PID" || true; PID=; rm -f "$WORK/broker.sock"; : > "$WORK/ref.log"; }

# load NAME PARTIES INFLIGHT MESSAGES FIRST -> appends "rate p50 p99" to $WORK/NAME
# (messages numbered from FIRST: each load of a round sends new ones, not the
# throughput load's again — those would be resends, answered from inbound)
load() {
    local out
    out=$("$LOAD" "ipc://$WORK/broker.sock" broker.pub "$WORK" "$2" "$3" "$4" 60 "$5") || {
        echo "bench: load $1 did not complete: $out" >&2; exit 1; }
    echo "$out" | sed -E 's/.*rate=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+).*/\1 \2 \3/' >> "$WORK/$1"
}

DIVERT=$BUILD/bench/kn_bench_divert
for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS ..." >&2
    start_kouan
    load kouan.tp $PARTIES 1000 "$THROUGHPUT_MSGS" 0
    load kouan.lat $PARTIES $PARTIES "$LATENCY_MSGS" "$THROUGHPUT_MSGS"
    # discharge report → instruction back at the terminal (party p0, facility P0)
    out=$("$DIVERT" "ipc://$WORK/broker.sock" broker.pub p0.key P0 "${KN_BENCH_DIVERT_MSGS:-2000}" 60) || {
        echo "bench: divert did not complete: $out" >&2; exit 1; }
    echo "$out" | sed -E 's/.*ack_p50_ms=([0-9.]+) ack_p99_ms=([0-9.]+) ins_p50_ms=([0-9.]+) ins_p99_ms=([0-9.]+).*/\1 \2 \3 \4/' >> "$WORK/divert"
    stop
    start_ref
    load ref.tp $PARTIES 1000 "$THROUGHPUT_MSGS" 0
    load ref.lat $PARTIES $PARTIES "$LATENCY_MSGS" "$THROUGHPUT_MSGS"
    stop
done

median() { # file column
    cut -d' ' -f"$2" "$1" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}
printf '\nbench/ingest: %d parties, ~300-byte COARRI messages, medians of %d rounds (%s, %d cores)\n' \
    "$PARTIES" "$ROUNDS" "$(date -u +%F)" "$(nproc)"
printf '%-44s %14s %14s %8s\n' "" "kouan broker" "reference" "ratio"
row() { # label file-suffix column format
    local a b
    a=$(median "$WORK/kouan.$2" "$3"); b=$(median "$WORK/ref.$2" "$3")
    printf "%-44s %14s %14s %8s\n" "$1" "$(printf "$4" "$a")" "$(printf "$4" "$b")" \
        "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
}
row "throughput, 1000 in flight (msg/s)" tp 1 "%.0f"
row "  ACK latency p50 (ms)" tp 2 "%.2f"
row "  ACK latency p99 (ms)" tp 3 "%.2f"
row "8 parties x 1 in flight (msg/s)" lat 1 "%.0f"
row "  ACK latency p50 (ms)" lat 2 "%.3f"
row "  ACK latency p99 (ms)" lat 3 "%.3f"
printf '\ndischarge report to diversion instruction at the terminal, one in flight, medians of %d rounds\n' "$ROUNDS"
printf '%-44s %14s %14s\n' "" "ACK" "instruction"
printf '%-44s %14.3f %14.3f\n' "latency p50 (ms)" "$(median "$WORK/divert" 1)" "$(median "$WORK/divert" 3)"
printf '%-44s %14.3f %14.3f\n' "latency p99 (ms)" "$(median "$WORK/divert" 2)" "$(median "$WORK/divert" 4)"
