#!/bin/bash
# npm test: make sure everything the tests need is here (system packages, testbed caches, npm
# dependencies, the build), then run every test file with tap and print one closing line
# "N passed, N failed" (counted in tap assertions). Extra arguments go to tap (e.g. a file).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh
[ -x node_modules/.bin/tap ] || npm ci --no-audit --no-fund
npx tsc -p tsconfig.json
node tools/bundle.mjs
chmod +x dist/cli/main.js dist/cli/launch.cjs

log=$(mktemp /tmp/finit-pods-test.XXXXXX)
trap 'rm -f "$log"' EXIT
set +e
npx tap --reporter=tap "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# tap's own summary: "# { total: 12, pass: 11, fail: 1 }" (fail omitted when zero)
summary=$(grep -E '^# \{ total: ' "$log" | tail -1)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
pass=${pass:-0}
fail=${fail:-0}
if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi # a crash or timeout with no failed assertion
echo "${pass} passed, ${fail} failed"
exit "$status"
