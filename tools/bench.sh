#!/bin/bash
# npm run bench: every benchmark, each printing its figures next to the baseline or target it is
# compared with. Speed targets live here, never in the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh >/dev/null
[ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund
npx tsc -p tsconfig.json
node tools/bundle.mjs
for b in tools/bench/*.mjs; do
	if [ "$b" = tools/bench/boot.mjs ]; then
		# boot recovery on both stacks: Podman 4.3 and 5.4 leave different leftovers
		for stack in bookworm trixie; do
			printf '\n##### %s (%s)\n' "$b" "$stack"
			BENCH_STACK=$stack node "$b"
		done
		continue
	fi
	printf '\n##### %s\n' "$b"
	node "$b"
done
