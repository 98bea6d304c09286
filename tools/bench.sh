#!/bin/bash
# npm run bench: every benchmark, each printing its figures next to the baseline or target it is
# compared with. Speed targets live here, never in the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh >/dev/null
[ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund
npx tsc -p tsconfig.json
node tools/bundle.mjs

# Waits (at most 60 s) until the CPUs have been ≥ 90% idle for two seconds in a row: a benchmark
# right after another one (the boot benchmark leaves podman and the kernel busy tearing down 50
# containers) would otherwise measure that work too.
settle() {
	local calm=0 i prev cur idle total
	read -ra prev < <(head -1 /proc/stat)
	for ((i = 0; i < 60 && calm < 2; i++)); do
		sleep 1
		read -ra cur < <(head -1 /proc/stat)
		idle=$((cur[4] + cur[5] - prev[4] - prev[5]))
		total=0
		for j in 1 2 3 4 5 6 7 8; do total=$((total + cur[j] - prev[j])); done
		if ((total > 0 && idle * 100 >= total * 90)); then calm=$((calm + 1)); else calm=0; fi
		prev=("${cur[@]}")
	done
	((calm >= 2)) || echo "(the machine did not settle within 60 s: figures below may include other work)"
}

# the boot benchmark last: it is the one that leaves the machine busy
benches=()
for b in tools/bench/*.mjs; do [ "$b" = tools/bench/boot.mjs ] || benches+=("$b"); done
for b in "${benches[@]}" tools/bench/boot.mjs; do
	if [ "$b" = tools/bench/boot.mjs ] || [ "$b" = tools/bench/rest.mjs ] || [ "$b" = tools/bench/update.mjs ]; then
		# per stack: Podman 4.3 and 5.4 leave different leftovers at boot, each Finit differs at
		# rest, and each Podman pulls and starts a container at its own pace
		for stack in $(tools/testbed stacks); do
			settle
			printf '\n##### %s (%s)\n' "$b" "$stack"
			BENCH_STACK=$stack node "$b"
			if [ "$b" = tools/bench/rest.mjs ]; then
				# and at rest with running pods that each have a health check (issue 17)
				settle
				printf '\n##### %s, health checks (%s)\n' "$b" "$stack"
				BENCH_STACK=$stack BENCH_HEALTH=1 node "$b"
			fi
		done
		continue
	fi
	settle
	printf '\n##### %s\n' "$b"
	node "$b"
done
