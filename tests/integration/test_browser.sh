#!/usr/bin/env bash
# The pages in a real browser: the small simulated day goes through the
# broker, an agent and an officer are made with kouan principal, kouan api
# serves them, and tests/browser/pages.test.js drives Debian's Chromium with
# playwright-core through the tracking page and the big screen (see there
# for what it checks).  Around it: the dashboard stream refuses a missing or
# wrong token (401), an agent's (403) and a bad day (400), and kouan api
# stops at once with a stream open.  Screenshots are kept in
# BUILD/test-artifacts/browser.  Fails, never skips, when Chromium, Node or
# playwright-core is missing; playwright-core comes from the lock file
# (npm ci) into BUILD/browser-deps, once per version of the lock file.
. "$(dirname "$0")/lib.sh"

BUILD_DIR=${KN_BUILD_DIR:-$(cd "$(dirname "$KOUAN")" && pwd)}
ARTIFACTS=${KN_ARTIFACTS:-$BUILD_DIR/test-artifacts/browser}
CHROMIUM=${KN_CHROMIUM:-/usr/bin/chromium}
BROWSER_SRC=$KN_SOURCE_DIR/tests/browser

[ -x "$CHROMIUM" ] || fail "no Chromium at $CHROMIUM (scripts/deps.sh installs Debian's chromium)"
command -v node >/dev/null || fail "no node (scripts/deps.sh installs nodejs)"
command -v npm >/dev/null || fail "no npm (scripts/deps.sh installs npm)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || fail "node $(node --version) is too old: playwright-core 1.56 needs 18 or later"
pass "Chromium, node $(node --version) and npm are there"

# playwright-core, exactly as locked; a new lock file installs afresh
DEPS=$BUILD_DIR/browser-deps
if ! cmp -s "$BROWSER_SRC/package-lock.json" "$DEPS/package-lock.json" ||
   [ ! -f "$DEPS/node_modules/playwright-core/package.json" ]; then
    rm -rf "$DEPS" "$DEPS.new"
    mkdir -p "$DEPS.new"
    cp "$BROWSER_SRC/package.json" "$BROWSER_SRC/package-lock.json" "$DEPS.new/"
    ( cd "$DEPS.new" && timeout 120 npm ci --no-audit --no-fund --ignore-scripts ) > "$WORK/npm.log" 2>&1 ||
        fail "npm ci of tests/browser failed: $(tail -n 5 "$WORK/npm.log")"
    mv "$DEPS.new" "$DEPS"
fi
pass "playwright-core $(node -p "require('$DEPS/node_modules/playwright-core/package.json').version") from the lock file"

kn_setup
cat >> "$CONF" <<CONF

[sim]
terminal_key_file = xhct.key
customs_key_file = customs.key
tax_key_file = xmtax.key

[api]
listen = 127.0.0.1:0
CONF
kn_db_start
kn_broker_start
"$KOUAN" sim run -c "$CONF" -o "$WORK/report" "$KN_SOURCE_DIR/conf/scenarios/small.ini" \
    > "$WORK/sim.out" 2>&1 || fail "kouan sim run: $(cat "$WORK/sim.out")"

# an agent with cargo in the day, a box of its own, and a box of another company's
A=$(kn_psql "select detail->>'agentCode' from event where detail->>'agentCode' is not null
             group by 1 order by count(*) desc, 1 limit 1")
[ -n "$A" ] || fail "the small day names no agent"
mine="select transport_document_reference from event where detail->>'agentCode' = '$A'"
BOX=$(kn_psql "select equipment_reference from event where transport_document_reference in ($mine)
               and equipment_reference is not null group by 1 order by count(*) desc, 1 limit 1")
OTHER=$(kn_psql "select equipment_reference from event where equipment_reference is not null
                 and equipment_reference not in (select equipment_reference from event
                     where transport_document_reference in ($mine) and equipment_reference is not null)
                 and transport_document_reference is not null order by 1 limit 1")
[ -n "$BOX" ] && [ -n "$OTHER" ] || fail "no box for agent $A ('$BOX') or none of another company's ('$OTHER')"

token() { sed -n 's/.*: token \(kn_[A-Za-z0-9_-]*\)$/\1/p'; }
TA=$("$KOUAN" principal -c "$CONF" add agent-a --role agent --agent "$A" | token)
TO=$("$KOUAN" principal -c "$CONF" add officer-1 --role officer | token)
[ ${#TA} = 46 ] && [ ${#TO} = 46 ] || fail "kouan principal add printed no token"

"$KOUAN" api -c "$CONF" > "$WORK/api.out" 2> "$WORK/api.log" &
API_PID=$!
KN_PIDS+=("$API_PID")
for _ in $(seq 1 100); do [ -s "$WORK/api.out" ] && break; sleep 0.05; done
API=http://$(sed -n 's/^api listening on //p' "$WORK/api.out")
[ "$API" != http:// ] || fail "kouan api did not say where it listens: $(cat "$WORK/api.log")"

# the pages are served from the binary, with their policy
code=$(curl -sS -o "$WORK/b" -D "$WORK/h" -w '%{http_code}' "$API/track")
assert_eq "200" "$code" "GET /track"
grep -qi '^content-security-policy: default-src .none.' "$WORK/h" || fail "/track has no content security policy"
assert_eq "200" "$(curl -sS -o /dev/null -w '%{http_code}' "$API/dashboard")" "GET /dashboard"
assert_eq "200" "$(curl -sS -o /dev/null -w '%{http_code}' "$API/static/track.js")" "GET /static/track.js"
assert_eq "404" "$(curl -sS -o /dev/null -w '%{http_code}' "$API/static/nothing.js")" "an unknown file: 404"

# the stream's gate
stream() { curl -sS -o "$WORK/b" -w '%{http_code}' --max-time 5 "$API/v1/dashboard/stream$1"; }
assert_eq "401" "$(stream "")" "the stream without a token: 401"
assert_eq "401" "$(stream "?access_token=kn_nope")" "with a wrong one: 401"
assert_eq "403" "$(stream "?access_token=$TA")" "with an agent's: 403"
assert_eq "400" "$(stream "?access_token=$TO&day=2026-02-30")" "a day that is not one: 400"
curl -sS -N --max-time 3 "$API/v1/dashboard/stream?access_token=$TO&day=2026-11-22" > "$WORK/sse" 2>/dev/null || true
assert_eq "2" "$(grep -c '^event: figures$' "$WORK/sse")" "the stream: at once, then every 2 s"
grep -q '^data: {"day":"2026-11-22",' "$WORK/sse" || fail "the stream's figures: $(head -c 300 "$WORK/sse")"

mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/*.png
mkdir -p "$WORK/browser"
KN_API=$API KN_CONNINFO=$("$KOUAN" db -c "$CONF" conninfo) KN_CONF=$CONF KN_WORK=$WORK/browser \
KN_ARTIFACTS=$ARTIFACTS KN_NODE_MODULES=$DEPS/node_modules KN_CHROMIUM=$CHROMIUM \
KN_AGENT=$A KN_TOKEN_AGENT=$TA KN_TOKEN_OFFICER=$TO KN_BOX=$BOX KN_OTHER_BOX=$OTHER \
    timeout 240 node "$BROWSER_SRC/pages.test.js" || fail "the browser tests failed (screenshots in $ARTIFACTS)"

# kouan api stops at once, a stream open or not, and cleanly (sanitizers)
curl -sS -N --max-time 20 "$API/v1/dashboard/stream?access_token=$TO" > "$WORK/sse2" 2>/dev/null &
CURL_PID=$!
for _ in $(seq 1 100); do grep -q '^event: figures' "$WORK/sse2" 2>/dev/null && break; sleep 0.05; done
kill -TERM "$API_PID"
start=$(date +%s%N)
rc=0
wait "$API_PID" || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq "0" "$rc" "kouan api exits 0 on SIGTERM with a stream open"
[ "$ms" -lt 5000 ] || fail "kouan api took $ms ms to stop with a stream open"
pass "it stopped in $ms ms"
wait "$CURL_PID" 2>/dev/null || true
if grep -q 'Sanitizer' "$WORK/api.log"; then fail "kouan api: $(grep -A 20 'Sanitizer' "$WORK/api.log" | head -40)"; fi
pass "kouan api's log has no sanitizer report"
