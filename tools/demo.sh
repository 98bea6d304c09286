#!/bin/bash
# npm run demo: a Podman container supervised by Finit, in a testbed sandbox (docs/testbed.md).
#
#   1. host setup (tools/setup.sh)
#   2. boot a sandbox: Finit as PID 1, Podman inside (DEMO_STACK: bookworm (default) or trixie)
#   3. install the pod -- for now a hand-written stanza; later the sync engine does this
#   4. show it running: stanza, initctl status, podman ps, an HTTP answer
#   5. power cut and boot again: the pod comes back
#   6. tear down (also on error or Ctrl-C)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
stack=${DEMO_STACK:-bookworm}
tb=("$here/testbed" -s "$stack" -n demo)
IMAGE=localhost/busybox:latest

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

# ---------------------------------------------------------------- the part the product replaces
# Today: a hand-written stanza.  Later: write /cfg/containers/web.container into the sandbox and
# run the sync engine inside (tools/testbed exec node $REPO/dist/cli/main.js ...), which writes
# /etc/finit.d/enabled/pod-web.conf and reloads Finit.
install_pod() {
	local stanza=$1/etc/finit.d/enabled/pod-web.conf
	echo "service [2345] name:pod :web kill:10 /usr/bin/podman run --rm --replace --init --name web" \
		"-p 8080:8080 $IMAGE httpd -f -p 8080 -h /www -- Web server (demo)" >"$stanza.tmp"
	mv "$stanza.tmp" "$stanza"   # Finit must never see half a .conf
	show "initctl reload"
	"${tb[@]}" initctl reload
}
# ----------------------------------------------------------------------------------------------

show_pod() {
	wait_until 30 "pod:web running" pod_running
	wait_until 30 "an HTTP answer" web_answers
	show "initctl -p status"
	"${tb[@]}" initctl -p status
	show "podman ps"
	"${tb[@]}" exec podman ps
	show "curl http://127.0.0.1:8080/"
	web_answers
}

main() {
	trap 'heading "tear down"; "${tb[@]}" destroy' EXIT

	heading "host setup (tools/setup.sh)"
	FINIT_PODS_STACKS=$stack "$here/setup.sh"

	heading "boot a $stack sandbox: Finit as PID 1, Podman inside"
	"${tb[@]}" setup
	"${tb[@]}" start >/dev/null
	"${tb[@]}" import-image
	"${tb[@]}" exec sh -c 'finit -v 2>/dev/null | head -1 || true; podman --version'
	local dir; dir=$("${tb[@]}" dir)

	heading "install the pod"
	install_pod "$dir"
	show "cat /etc/finit.d/enabled/pod-web.conf"
	cat "$dir"/etc/finit.d/enabled/pod-web.conf

	heading "Finit supervises the pod"
	show_pod

	heading "power cut (SIGKILL Finit) and boot again"
	"${tb[@]}" stop
	"${tb[@]}" start >/dev/null
	show_pod
}

main "$@"
