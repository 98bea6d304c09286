#!/bin/bash
# npm run stress: the reliability suite (issue 14), each figure printed next to its target: the
# model-level fuzzing (tools/stress/fuzz.mjs, when it is there), then the real-stack scenarios
# (tools/stress/stack.mjs) on each stack. Exit 1 when any target is missed. Sizes and the
# scenarios to run are set through STRESS_* (see tools/stress/stack.mjs); FINIT_PODS_STACKS
# picks the stacks.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh >/dev/null
[ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund
npx tsc -p tsconfig.json
node tools/bundle.mjs

status=0
if [ -f tools/stress/fuzz.mjs ]; then
	printf '\n##### tools/stress/fuzz.mjs\n'
	node tools/stress/fuzz.mjs || status=1
fi
IFS=', ' read -ra stacks <<<"${FINIT_PODS_STACKS:-$(tools/testbed stacks)}"
for stack in "${stacks[@]}"; do
	printf '\n##### tools/stress/stack.mjs (%s)\n' "$stack"
	STRESS_STACK=$stack node tools/stress/stack.mjs || status=1
done
if [ "$status" -eq 0 ]; then echo "stress: every target met"; else echo "stress: some targets missed (see above)"; fi
exit "$status"
