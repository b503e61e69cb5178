#!/bin/sh
# The benchmark on the real kernel: boots one lab VM (tests/lab/run.sh,
# scenario bench_kernel) with a table of BENCH_SERVICES x BENCH_REAL_SERVERS
# loaded by ipvsadm -R, and prints the guest's figures as "NAME VALUE UNIT"
# and "NAME ratio X vs PEER" lines (docs/lab.md, "The kernel benchmark").
# node_exporter (Debian's prometheus-node-exporter, a Go binary linked to
# libc only) goes into the guest in an archive appended to the lab image.
#
# Environment: BUILD_DIR (default build), BENCH_SERVICES (10000),
#   BENCH_REAL_SERVERS (10), BENCH_RUNS (5: each figure is a median of so
#   many runs), BENCH_KERNEL=0 skips the benchmark, BENCH_BASELINE=FILE
#   an lvstop binary of another build run beside this one (same VM).
# Without qemu or the lab kernel it prints one "SKIP" line and no figure.
# Exits nonzero when the VM ran but a check failed or no figure came.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${BUILD_DIR:-build}
S=${BENCH_SERVICES:-10000}
R=${BENCH_REAL_SERVERS:-10}
N=${BENCH_RUNS:-5}
node=/usr/bin/prometheus-node-exporter

skip() { echo "SKIP kernel_bench: $*"; exit 0; }

[ "${BENCH_KERNEL:-1}" = 0 ] && skip "BENCH_KERNEL=0"
for v in "$S" "$R" "$N"; do
	case $v in '' | *[!0-9]*) echo "lab_kernel: BENCH_SERVICES, BENCH_REAL_SERVERS and BENCH_RUNS take whole numbers, not '$v'" >&2; exit 2 ;; esac
done
[ "$S" -ge 1 ] && [ "$R" -ge 1 ] && [ "$N" -ge 1 ] || { echo "lab_kernel: sizes must be at least 1" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
"$top/tests/lab/fetch-kernel.sh" >/dev/null 2>&1 || skip "the lab kernel cannot be fetched (tests/lab/fetch-kernel.sh failed: no network or no apt?)"
[ -x "$build/lvstop" ] && [ -x "$build/lvsd" ] || skip "$build/lvstop or $build/lvsd is not built"

extra=$build/lab/bench-extra.gz
root=$(mktemp -d "${TMPDIR:-/tmp}/lvstop-bench.XXXXXX") || exit 1
trap 'rm -rf "$root"' EXIT INT TERM
mkdir -p "$root/lab" "$root/usr/bin" "$build/lab"
printf 'BENCH_SERVICES=%s\nBENCH_REAL_SERVERS=%s\nBENCH_RUNS=%s\n' "$S" "$R" "$N" > "$root/lab/bench.env"
if [ -x "$node" ]; then
	cp "$node" "$root/usr/bin/"
	ldd "$node" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
	while read -r lib; do
		# The image has a merged /usr: /lib and /lib64 are links there.
		case $lib in /usr/*) dst=$lib ;; *) dst=/usr$lib ;; esac
		mkdir -p "$root$(dirname "$dst")"
		cp -L "$lib" "$root$dst"
	done
fi
if [ -n "${BENCH_BASELINE:-}" ]; then
	[ -x "$BENCH_BASELINE" ] || { echo "lab_kernel: BENCH_BASELINE=$BENCH_BASELINE is not an executable" >&2; exit 2; }
	cp "$BENCH_BASELINE" "$root/usr/bin/lvstop-baseline"
fi
(cd "$root" && find lab usr | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$extra" || exit 1

load0=$(cut -d' ' -f1-3 /proc/loadavg)
out=$(LAB_JOBS=1 LAB_INITRD_EXTRA=$extra BUILD_DIR=$build sh "$top/tests/lab/run.sh" bench_kernel 2>&1)
rc=$?
load1=$(cut -d' ' -f1-3 /proc/loadavg)
log=$build/lab/logs/bench_kernel.log
[ -r "$log" ] && sed -n 's/^BENCH //p' "$log"
echo "kernel_host_loadavg $load0 load (at the start; $load1 at the end)"
if [ "$rc" -ne 0 ] || ! grep -q '^BENCH kernel_once_exact ratio' "$log" 2>/dev/null; then
	printf '%s\n' "$out" | grep -E 'FAIL|^lab:' >&2
	echo "lab_kernel: the kernel benchmark failed (log: $log)" >&2
	exit 1
fi
