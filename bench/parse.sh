#!/usr/bin/env bash
# bench/parse: reader throughput (terminal EDIFACT, customs XML, tax XML) on the
# shared samples and generated large messages, each beside its reference (a
# memchr segment scan for EDIFACT, libxml2 xmlReadMemory+xmlFreeDoc for XML).
# Builds nothing: run `cmake --build build` first.  Figures, never assertions.
#   bench/parse.sh [BUILD_DIR] [SAMPLES_DIR] [kn_bench_parse options: -n N -r ROUNDS -t SECONDS]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(realpath "${1:-$HERE/../build}")
SAMPLES=$(realpath "${2:-$HERE/../../shared/samples}")
shift $(( $# < 2 ? $# : 2 ))
BENCH=$BUILD/bench/kn_bench_parse
[ -x "$BENCH" ] || { echo "bench/parse: $BENCH not built (cmake --build $BUILD)" >&2; exit 2; }
exec "$BENCH" "$@" "$SAMPLES"
