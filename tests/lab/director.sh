#!/bin/sh
# The initramfs of the lab's director topology: the cached Debian 12 image
# with systemd (mkimage-director.sh) followed by a small archive with this
# tree's lab files and the lvstop package (the kernel unpacks both, the
# second over the first).  Scenarios named director*.sh boot it (run.sh);
# inside, lab-scenario.service runs /lab/director-run, which runs
# /lab/scenarios/NAME.sh with /lab/lib.sh like the busybox guest does, and
# the package waits in /lab/debs/ for `apt install`.
#
# usage: director.sh OUT.gz
# Environment: BUILD_DIR (default build): the package is the newest
#              BUILD_DIR/deb/lvstop_*.deb (make deb); LAB_CACHE as for
#              fetch-kernel.sh.
set -eu

out=${1:?usage: director.sh OUT.gz}
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-build}

log() { printf 'director: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

deb=$(ls -t "$build"/deb/lvstop_*.deb 2>/dev/null | grep -v dbgsym | head -n 1) || deb=
[ -n "$deb" ] || die "no $build/deb/lvstop_*.deb: run make deb"
base=$("$here/mkimage-director.sh" "$deb") || die "cannot build the director image"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lvstop-director.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/lab/scenarios" "$tmp/lab/debs"
cp "$here"/guest/lib.sh "$here"/guest/compare.sh "$here/guest/director-run" "$tmp/lab/"
cp "$here"/scenarios/*.sh "$tmp/lab/scenarios/"
cp "$deb" "$tmp/lab/debs/"
chmod 0755 "$tmp/lab/director-run"
mkdir -p "$(dirname "$out")"
{
	cat "$base"
	(cd "$tmp" && find lab | cpio -o -H newc --quiet -R 0:0) | gzip -1
} > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
