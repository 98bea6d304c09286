#!/bin/bash
# npm run demo: a Podman container supervised by Finit, in a testbed sandbox (docs/testbed.md).
#
#   1. host setup (tools/setup.sh), npm dependencies and the build
#   2. boot a sandbox: Finit as PID 1, Podman inside (DEMO_STACK: bookworm (default) or trixie)
#   3. copy examples/ (Quadlet units) into its /cfg/containers and run `finit-pods sync` inside
#   4. show it running: stanzas, initctl status, podman ps, HTTP answers, pods talking by name
#   5. sync again: nothing changed, nothing written, no reload
#   6. power cut and boot again: the first sync of the boot removes what the cut left behind
#   7. live apply: the daemon as a Finit service picks up a new unit, a bad edit, a removal
#   8. tear down (also on error or Ctrl-C)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stack=${DEMO_STACK:-bookworm}
tb=("$here/testbed" -s "$stack" -n demo)

heading() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "$*"; }   # print a command as the reader would type it

wait_until() {   # wait_until SECONDS DESCRIPTION CMD..: poll CMD every 0.2 s, bounded
	local secs=$1 what=$2; shift 2
	local _
	for _ in $(seq 1 $((secs * 5))); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "demo: timed out after ${secs} s waiting for $what" >&2
	return 1
}

pod_running() { "${tb[@]}" initctl -p -t status | grep -Eq '^ *[0-9]+ +pod:web +running'; }
web_answers() { "${tb[@]}" exec curl -sf -m 2 http://127.0.0.1:8080/; }

repo=$(dirname "$here")
finit_pods() { show "finit-pods $*"; "${tb[@]}" exec node "$repo/dist/cli/launch.cjs" "$@"; }
notes_answer() { "${tb[@]}" exec curl -sf -m 2 http://127.0.0.1:8081/; }
client_reached_api() { "${tb[@]}" exec podman logs client 2>/dev/null | grep -q 'api says hi'; }

show_pods() {
	wait_until 40 "pod:web running" pod_running
	wait_until 40 "an HTTP answer from web" web_answers
	wait_until 40 "an HTTP answer from notes" notes_answer
	show "initctl -p status"
	"${tb[@]}" initctl -p status
	show "podman ps"
	"${tb[@]}" exec podman ps --format 'table {{.Names}} {{.Status}} {{.Ports}} {{.Networks}}'
	show "curl http://127.0.0.1:8080/    # web.container"
	web_answers
	show "curl http://127.0.0.1:8081/    # notes.container: Environment= written into notes.volume"
	notes_answer
	wait_until 40 "client to reach api by name" client_reached_api
	show "podman logs client | tail -1    # client.container reaches api.container by name on app.network"
	"${tb[@]}" exec podman logs client 2>/dev/null | tail -1
}

main() {
	trap 'heading "tear down"; "${tb[@]}" destroy' EXIT

	heading "host setup (tools/setup.sh), npm dependencies, build"
	FINIT_PODS_STACKS=$stack "$here/setup.sh"
	(cd "$repo" && { [ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund; } && npx tsc -p tsconfig.json && node tools/bundle.mjs >/dev/null)

	heading "boot a $stack sandbox: Finit as PID 1, Podman inside"
	"${tb[@]}" setup
	"${tb[@]}" start >/dev/null
	"${tb[@]}" import-image
	"${tb[@]}" exec sh -c 'finit -v 2>/dev/null | head -1 || true; podman --version'
	local dir; dir=$("${tb[@]}" dir)

	heading "drop the example units into /cfg/containers and sync"
	show "ls examples/"
	ls "$repo/examples"
	cp "$repo"/examples/* "$dir/cfg/containers/"
	finit_pods sync
	show "cat /etc/finit.d/enabled/pod-web.conf"
	cat "$dir"/etc/finit.d/enabled/pod-web.conf

	heading "Finit supervises the pods"
	show_pods

	heading "sync again: nothing changed, so nothing is written and Finit is not reloaded"
	finit_pods sync

	heading "power cut (SIGKILL Finit) and boot again"
	"${tb[@]}" stop
	"${tb[@]}" start >/dev/null
	show "initctl -p status    # pods wait for usr/finit-pods until boot recovery is done"
	"${tb[@]}" initctl -p status
	show "podman ps -a          # what the power cut left behind holds every pod's name"
	"${tb[@]}" exec podman ps -a --format 'table {{.Names}} {{.State}}'
	finit_pods sync
	show_pods

	heading "live apply: finit-pods daemon as a Finit service"
	local node; node=$("${tb[@]}" sh 'command -v node')
	echo "service [2345] name:finit-pods log $node $repo/dist/cli/launch.cjs daemon -- finit-pods" >"$dir/etc/finit.d/finit-pods.conf.tmp"
	mv "$dir/etc/finit.d/finit-pods.conf.tmp" "$dir/etc/finit.d/finit-pods.conf"
	"${tb[@]}" initctl reload
	wait_until 20 "the daemon" "${tb[@]}" exec node "$repo/dist/cli/launch.cjs" status
	show "cp hello.container /cfg/containers/    # a new unit: the daemon applies it within a second"
	printf '%s\n' '[Container]' 'Image=localhost/busybox:latest' \
		"Exec=/bin/sh -c 'echo live > /tmp/index.html; exec httpd -f -p 8090 -h /tmp'" 'PublishPort=8090:8090' \
		>"$dir/cfg/containers/hello.container"
	wait_until 30 "hello to answer" "${tb[@]}" exec curl -sf -m 2 http://127.0.0.1:8090/
	show "curl http://127.0.0.1:8090/"
	"${tb[@]}" exec curl -s http://127.0.0.1:8090/
	show "echo 'Imgae=typo' >> /cfg/containers/hello.container    # a bad edit: the pod keeps running"
	echo 'Imgae=typo' >>"$dir/cfg/containers/hello.container"
	sleep 2
	finit_pods status || true
	show "rm /cfg/containers/hello.container    # and it is gone"
	rm "$dir/cfg/containers/hello.container"
	wait_until 30 "hello to stop" sh -c "! '${tb[0]}' -s '$stack' -n demo exec curl -sf -m 1 http://127.0.0.1:8090/"
	finit_pods status || true
}

main "$@"
