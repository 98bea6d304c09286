#!/bin/bash
# tools/setup.sh -- idempotent host setup for finit-pods' testbed (see docs/testbed.md).
#
# Installs what the testbed needs from Debian's apt mirror (only what is missing), prepares the
# host (hugetlb cgroup v1 mount) and fills the cache (busybox image tarball, LD_PRELOAD shim and,
# when a stack needs them, the debootstrapped trixie root, man-db over it for clean roots, and
# Finit 4.14 built over it).  A fast no-op when all is there.  Used by `npm test`, `npm run demo`
# and CI.
#
# Env: FINIT_PODS_STACKS  stacks to prepare, space/comma separated (default: every stack of
#                         tools/testbed); the trixie root (1-3 min, ~340 MB) is built for trixie and
#                         finit414, Finit 4.14 (about a minute) for finit414.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
testbed=$here/testbed
stacks=${FINIT_PODS_STACKS:-$("$testbed" stacks)}

# The podman stack as the reference recipes install it (with recommends), docker-registry (a real
# registry on loopback for .image units), and shellcheck for
# `npm run lint` (the runner script and these tools).
PKGS=(podman crun conmon busybox-static containernetworking-plugins catatonit iproute2 curl
	debootstrap gcc libc6-dev shellcheck docker-registry socat)
# Finit WITHOUT recommends: finit recommends finit-sysv, which would take over the host's /sbin/init.
PKGS_NO_RECOMMENDS=(finit finit-plugins)
APT_OPTS=(-o Acquire::Retries=3 -o Acquire::http::Timeout=30 -o DPkg::Lock::Timeout=300
	-o Dpkg::Options::=--force-confold)

log() { printf '== %s\n' "$*"; }

missing() {   # prints the packages among "$@" that are not installed
	local p
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed || echo "$p"
	done
}

apt_install() {   # apt_install [apt-get options...] -- packages...
	local opts=() pkgs
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	mapfile -t pkgs < <(missing "$@")
	[ ${#pkgs[@]} -gt 0 ] || return 0
	if [ -z "${apt_updated:-}" ]; then
		log "apt-get update"
		timeout 600 apt-get "${APT_OPTS[@]}" update -q
		apt_updated=1
	fi
	log "apt-get install ${opts[*]:+${opts[*]} }${pkgs[*]}"
	timeout 1800 apt-get "${APT_OPTS[@]}" install -y -q "${opts[@]}" "${pkgs[@]}"
}

install_packages() {
	apt_install -- "${PKGS[@]}"
	apt_install --no-install-recommends -- "${PKGS_NO_RECOMMENDS[@]}"
	# Guard: the host must keep its own init (finit-sysv would have replaced /sbin/init).
	if [ -z "$(missing finit-sysv)" ]; then
		echo "error: finit-sysv is installed; it owns /sbin/init. Remove it." >&2
		exit 1
	fi
}

main() {
	local t0=$SECONDS
	[ "$(id -u)" = 0 ] || { echo "error: tools/setup.sh must run as root" >&2; exit 1; }
	install_packages
	"$testbed" host-prep
	"$testbed" build-image
	"$testbed" build-shim
	case " ${stacks//,/ } " in
	*" trixie "* | *" finit414 "*) "$testbed" build-root && "$testbed" build-man ;;
	esac
	case " ${stacks//,/ } " in
	*" finit414 "*) "$testbed" build-finit ;;
	esac
	log "setup ok ($((SECONDS - t0)) s)"
}

main "$@"
