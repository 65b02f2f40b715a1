# Shared by the integration tests: a private PostgreSQL, the real broker and
# the real client in a temporary directory, torn down on exit.
# A test that needs PostgreSQL fails when it cannot start it: it never skips.
set -euo pipefail

: "${KOUAN:?KOUAN must name the kouan binary}"
: "${KN_SAMPLES_DIR:=$(dirname "$0")/../../../shared/samples}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kn-it-XXXXXX")
chmod 755 "$WORK"   # the private cluster runs as postgres when we are root
CONF=$WORK/kouan.conf
BROKER_PID=
FAILED=0

KN_PIDS=()   # other daemons a test starts (kouan sink, kouan notify): killed at exit

kn_cleanup() {
    local rc=$?
    [ -n "$BROKER_PID" ] && kill -9 "$BROKER_PID" 2>/dev/null || true
    for pid in "${KN_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    "$KOUAN" db -c "$CONF" stop >/dev/null 2>&1 || true
    if [ $rc -ne 0 ] || [ $FAILED -ne 0 ]; then
        echo "--- broker log (last 40 lines)"; tail -n 40 "$WORK"/broker*.log 2>/dev/null || true
        for log in "$WORK"/notify*.log "$WORK"/sink*.log; do
            [ -f "$log" ] && { echo "--- $(basename "$log") (last 30 lines)"; tail -n 30 "$log"; }
        done
        echo "--- work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap kn_cleanup EXIT

fail() { echo "FAIL: $*" >&2; FAILED=1; exit 1; }
pass() { echo "ok - $*"; }

assert_eq() { # expected actual what
    [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
    pass "$3"
}

assert_contains() { # haystack needle what
    case "$1" in *"$2"*) pass "$3" ;; *) fail "$3: '$2' not in: $1" ;; esac
}

# Keys for the broker and the parties, and a configuration using them.
kn_setup() {
    ( cd "$WORK" && for n in broker xhct customs xmtax; do "$KOUAN" keygen "$n" >/dev/null; done )
    cat > "$CONF" <<CONF
[broker]
bind = ipc://$WORK/broker.sock
secret_key_file = broker.key
log_level = ${KN_LOG_LEVEL:-info}
linger_ms = 500

[database]
data_dir = pgdata
reconnect_min_ms = 50
reconnect_max_ms = 500

[client]
broker = ipc://$WORK/broker.sock
server_public_key_file = broker.pub
secret_key_file = xhct.key
resend_ms = 300
timeout_s = 60

[party.xhct]
role = terminal
format = edifact
public_key_file = xhct.pub

[party.customs-3701]
role = customs
format = customs-xml
public_key_file = customs.pub

[party.xmtax]
role = tax
format = tax-xml
public_key_file = xmtax.pub
CONF
}

kn_db_start() {
    "$KOUAN" db -c "$CONF" start >/dev/null || fail "cannot start the private PostgreSQL"
    "$KOUAN" db -c "$CONF" migrate >/dev/null || fail "cannot migrate"
}

kn_db_stop() { "$KOUAN" db -c "$CONF" stop >/dev/null; }

kn_psql() { psql "$("$KOUAN" db -c "$CONF" conninfo)" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# Start the broker (extra environment as arguments) and wait until it has its
# database; its log goes to $WORK/broker.log (appended across restarts).
kn_broker_start() {
    local mark
    mark=$(grep -c "database connected" "$WORK/broker.log" 2>/dev/null || true)
    env "$@" "$KOUAN" broker -c "$CONF" >> "$WORK/broker.log" 2>&1 &
    BROKER_PID=$!
    for _ in $(seq 1 200); do
        if [ "$(grep -c "database connected" "$WORK/broker.log" 2>/dev/null || true)" -gt "${mark:-0}" ]; then
            return 0
        fi
        kill -0 "$BROKER_PID" 2>/dev/null || fail "broker exited at start"
        sleep 0.05
    done
    fail "broker did not connect to its database within 10 s"
}

# Wait for the broker to exit; its status in BROKER_STATUS.
kn_broker_wait() {
    BROKER_STATUS=0
    wait "$BROKER_PID" || BROKER_STATUS=$?
    BROKER_PID=
}

kn_send() { "$KOUAN" send -c "$CONF" "$@"; }

# The message id kouan send gives a file: its content hash.
kn_msg_id() { sha256sum "$1" | cut -c1-32; }

# The outside receivers' secrets (as the parties would issue them) and a
# running kouan sink that checks with them; SINK is its base URL.  The
# [notify] section names the secret files; a test adds its own options in a
# second [notify] section.
kn_sink_start() { # [stall_ms]
    printf 'whsec_%s\n' "$(head -c 24 /dev/urandom | base64)" > "$WORK/miniprogram.secret"
    printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" > "$WORK/sms.secret"
    head -c 16 /dev/urandom | base64 > "$WORK/ems.key"
    head -c 32 /dev/urandom | base64 > "$WORK/dcsa.secret"
    chmod 600 "$WORK"/*.secret "$WORK/ems.key"
    cat >> "$CONF" <<CONF

[sink]
listen = 127.0.0.1:0
record_file = sink.jsonl
dcsa_secret_file = dcsa.secret
stall_ms = ${1:-3000}

[notify]
miniprogram_secret_file = miniprogram.secret
sms_secret_file = sms.secret
ems_key_file = ems.key
CONF
    "$KOUAN" sink -c "$CONF" > "$WORK/sink.out" 2> "$WORK/sink.log" &
    SINK_PID=$!
    KN_PIDS+=("$SINK_PID")
    for _ in $(seq 1 200); do
        [ -s "$WORK/sink.out" ] && break
        kill -0 "$SINK_PID" 2>/dev/null || fail "kouan sink exited at start"
        sleep 0.05
    done
    local first
    first=$(head -n 1 "$WORK/sink.out")
    PORT=$(echo "$first" | sed -n 's/^sink listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p')
    if [ -z "$PORT" ] || [ "$PORT" = 0 ]; then
        fail "first line is not 'sink listening on 127.0.0.1:PORT': '$first'"
    fi
    SINK=http://127.0.0.1:$PORT
}
