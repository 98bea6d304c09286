#!/bin/sh
# finit-pods: generated; do not edit: finit-pods sync rewrites it.
# Usage: finit-pods-run ID HASH   (HASH only makes Finit restart the service when its config changes)
# ID is a container's pod name (files pod-NAME.*), or KIND:NAME for a .pod or .kube unit's
# service (files KIND-NAME.*).
# Notify=true's relay runs a copy as `finit-pods-run @notify` for each message the container sends:
# the message on stdin, FINIT_PODS_INITCTL and FINIT_PODS_READY_COND in the environment.
if [ "${1:-}" = @notify ]; then
	while IFS= read -r l || [ -n "$l" ]; do
		[ "$l" = READY=1 ] && exec "$FINIT_PODS_INITCTL" cond set "$FINIT_PODS_READY_COND" >/dev/null 2>&1
	done
	exit 0
fi
dir=${0%/*}
pod=$1
case $pod in
*:*) stem=${pod%%:*}-${pod#*:} ;;
*) stem=pod-$pod ;;
esac
f=$dir/$stem.argv
[ -r "$f" ] || { echo "finit-pods: $f is missing" >&2; exit 1; }
# Work from a private copy: sync removes or rewrites pod-NAME.argv before Finit stops the pod
# (on reload), and the pod must still be stopped with the command it was started with.
rundir=${FINIT_PODS_RUN_DIR:-/run/finit-pods}
snaps=$rundir/argv
mkdir -p "$snaps" || exit 1
for o in "$snaps/$pod".*; do [ -e "$o" ] && ! kill -0 "${o##*.}" 2>/dev/null && rm -f "$o"; done
snap=$snaps/$pod.$$
# private, as pod-NAME.argv is: it holds the unit's values. Whole or not at all: the daemon reads
# it (the pod's health check) as soon as it appears. A temporary one left by a runner killed
# mid-copy ends in .tmp, not a PID, and goes with the loop above.
(umask 077 && cat "$f" >"$snap.tmp" && mv -f "$snap.tmp" "$snap") || exit 1
f=$snap

# podman run gets a session (and process group) of its own: Finit sends SIGTERM to the runner's
# whole process group, and a podman run that gets it while still creating the container exits and
# leaves the container behind (state Created). The runner's stop command stops it instead.
own_session=
command -v setsid >/dev/null 2>&1 && own_session=setsid

# run SECTION [exec]: runs the arguments of @SECTION in $f, one per line; never evaluated.
run() {
	want=@$1 how=${2:-} in=
	set --
	while IFS= read -r l || [ -n "$l" ]; do
		case $l in
		@*) if [ "$l" = "$want" ]; then in=1; else in=; fi ;;
		" "*)
			[ -n "$in" ] || continue
			l=${l# }
			case $l in *\\*) l=$(printf '%bx' "$l"); l=${l%x} ;; esac
			set -- "$@" "$l" ;;
		esac
	done <"$f"
	[ $# -gt 0 ] || return 0
	if [ "$how" = exec ]; then exec $own_session "$@"; fi
	"$@"
}
setting() { sed -n "s/^$1=//p" "$f"; }

restart_sec=$(setting RESTART_SEC)
oneshot=$(setting ONESHOT)
cond=$(setting COND)
ready_cond=$(setting READY_COND)
initctl=$(setting INITCTL)
# Notify=healthy: the daemon sets READY_COND once this run's health check passes, never before, so
# what an earlier run left set (a runner killed, a daemon that was down) is cleared first
if [ -n "$ready_cond" ] && [ -n "$initctl" ]; then "$initctl" cond clear "$ready_cond" >/dev/null 2>&1; fi
mark=$rundir/started/$pod
if [ -n "$restart_sec" ] && [ -e "$mark" ]; then sleep "$restart_sec"; fi
mkdir -p "$rundir/started" && : >"$mark"

child='' stopping='' relay='' sock='' ready_at_start=''
nap() { sleep 0.2 2>/dev/null || sleep 1; }
# SIGTERM: the stop command (podman stop --ignore -t TIMEOUT). podman run may still be creating
# the container, which stop then does not find (and, with --ignore, says nothing): stop is run
# again every second until podman run has ended, so no container is left running after Finit
# gives up on this runner (a unit changed and removed again within a second). Before podman
# run has started, the runner just does not start it.
on_term() {
	stopping=1 trapped=1
	[ -n "$child" ] || return 0
	# a oneshot .kube: its run section only waits; after the stop command (kube down) it is ended
	if [ -n "$oneshot" ]; then
		run stop
		kill "$child" 2>/dev/null
		return 0
	fi
	n=0
	while [ $n -lt 10 ]; do
		if [ $n -eq 0 ]; then run stop; else run stop >/dev/null 2>&1; fi
		for _ in 1 2 3 4 5; do
			kill -0 "$child" 2>/dev/null || return 0
			nap
		done
		n=$((n + 1))
	done
}
# shellcheck disable=SC2317 # called by the trap below, which shellcheck does not follow
on_hup() {
	trapped=1
	if grep -qx '@reload' "$f"; then run reload; elif [ -n "$child" ]; then kill -HUP "$child" 2>/dev/null; fi
}
trap on_term TERM INT
trap on_hup HUP
# a stale container of ours may need a second rm -f after a crash (see finit-pods cleanup)
run prestart >/dev/null 2>&1 || run prestart >/dev/null 2>&1
[ -z "$stopping" ] || { rm -f "$snap"; exit 0; }
# a .pod creates its pod and a .kube plays its YAML first; the run section then stays in the
# foreground for Finit (attached to the pod's infra container, or to the kube's service container)
if grep -qx '@create' "$f"; then
	run create || { rc=$?; rm -f "$snap"; exit "$rc"; }
	[ -z "$stopping" ] || { run stop; run poststop >/dev/null 2>&1; rm -f "$snap"; exit 0; }
fi
# Notify=true: podman (--sdnotify=container) passes NOTIFY_SOCKET into the container and relays its
# messages there; socat receives each datagram into `$0 @notify`, which sets READY_COND on READY=1.
# Node has no datagram sockets and Finit's own notify socket is abstract (conmon sends only to a
# path), so the relay is socat's. Without it the pod is ready when it runs, as with Notify=false.
if [ -n "$(setting NOTIFY)" ] && [ -n "$ready_cond" ] && [ -n "$initctl" ]; then
	case $0 in
	*[!A-Za-z0-9/_.-]*) sock_ok= ;;
	*) sock_ok=1 ;;
	esac
	if ! command -v socat >/dev/null 2>&1; then
		echo "finit-pods: $pod: Notify=true needs socat, which is not installed: the pod counts as ready when it runs" >&2
		ready_at_start=1
	elif [ -z "$sock_ok" ]; then
		echo "finit-pods: $pod: Notify=true: the runner's path $0 cannot be given to socat: the pod counts as ready when it runs" >&2
		ready_at_start=1
	else
		sock=$rundir/notify/$stem.sock
		mkdir -p "$rundir/notify" || exit 1
		# the relay of a runner that was killed alone (its process group survived) is ended first
		old=$(cat "$sock.pid" 2>/dev/null) || old=
		if [ -n "$old" ] && grep -qF "$sock" "/proc/$old/cmdline" 2>/dev/null; then kill "$old" 2>/dev/null; fi
		rm -f "$sock"
		FINIT_PODS_INITCTL=$initctl FINIT_PODS_READY_COND=$ready_cond \
			socat -u "UNIX-RECVFROM:$sock,fork" "EXEC:/bin/sh $0 @notify" </dev/null &
		relay=$!
		echo "$relay" >"$sock.pid"
		# bound before podman starts, which sends its MAINPID= there first
		n=0
		while [ ! -S "$sock" ] && [ $n -lt 250 ] && kill -0 "$relay" 2>/dev/null; do
			sleep 0.02 2>/dev/null || sleep 1
			n=$((n + 1))
		done
		[ -S "$sock" ] || {
			echo "finit-pods: $pod: Notify=true: socat did not listen on $sock: the pod counts as ready when it runs" >&2
			kill "$relay" 2>/dev/null
			rm -f "$sock.pid"
			relay='' sock='' ready_at_start=1
		}
	fi
fi
if [ -n "$sock" ]; then (NOTIFY_SOCKET=$sock && export NOTIFY_SOCKET && run run exec) & else run run exec & fi
child=$!
# a SIGTERM between the check above and here found no child to stop
[ -z "$stopping" ] || on_term
# Finit before 4.4 has no service conditions: pods that depend on this one wait for usr/pod-NAME
if [ -z "$stopping" ] && [ -n "$cond" ] && [ -n "$initctl" ]; then "$initctl" cond set "$cond" >/dev/null 2>&1; fi
if [ -z "$stopping" ] && [ -n "$ready_at_start" ]; then "$initctl" cond set "$ready_cond" >/dev/null 2>&1; fi
# a trapped signal interrupts wait (status > 128); the command's own status comes from the next one
while :; do
	trapped=
	wait "$child"
	rc=$?
	if [ -z "$trapped" ] || [ "$rc" -le 128 ]; then break; fi
done
if [ -n "$relay" ]; then
	kill "$relay" 2>/dev/null
	rm -f "$sock" "$sock.pid"
fi
for c in "$cond" "$ready_cond"; do
	if [ -n "$c" ] && [ -n "$initctl" ]; then "$initctl" cond clear "$c" >/dev/null 2>&1; fi
done
# what the unit made is removed once it ended (a .pod's pod, a .kube's pods)
run poststop >/dev/null 2>&1
rm -f "$snap"
exit "$rc"
