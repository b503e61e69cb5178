#!/bin/sh
# Run lab scenarios: one qemu VM per scenario, real IPVS in the guest.
#
# usage: tests/lab/run.sh [SCENARIO...]
#   default: every tests/lab/scenarios/*.sh but demo.sh (interactive; its
#   test is demo_keys) and bench_*.sh (benchmarks: make bench runs them).
# Scenarios named director*.sh boot the director topology instead: Debian 12
# with systemd and the lvstop package (director.sh; make deb first).
# Prints every check line (prefixed with the scenario), then one line
# "N passed, N failed".  Exits nonzero when anything failed; a VM that timed
# out or never printed its end marker counts as a failure.
#
# Environment:
#   BUILD_DIR      where lvstop/lvsd are taken from (default build)
#   LAB_CACHE      kernel cache (default ~/.cache/lvstop-lab)
#   LAB_JOBS       VMs run at once (default: 2, or 1 on a single CPU)
#   LAB_TIMEOUT    seconds a scenario may run in the guest (default 300; a
#                  scenario's "# lab-timeout: N" line raises it); the host
#                  kills the VM 60 s after that (300 s for director*)
#   LAB_MEM        guest memory in MiB (default 512, 1536 for director*)
#   LAB_APPEND     more kernel command-line words for every guest (a
#                  scenario reads its own, e.g. lab.flood_dr=N, from
#                  /proc/cmdline)
#   LAB_KVM=1      use KVM instead of TCG (off by default)
#   LAB_VERBOSE=1  copy the whole serial console to stdout
#   LAB_INITRD_EXTRA  a gzipped cpio archive appended to the initramfs of
#                  the (non-director) VMs: files it holds are added to the
#                  image or replace its own (the benchmark's extra programs)
set -u

here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-build}
out=$build/lab
logs=$out/logs
initrd=$out/initramfs.gz
timeout=${LAB_TIMEOUT:-300}
jobs=${LAB_JOBS:-$(($(nproc) > 1 ? 2 : 1))}

die() { printf 'lab: %s\n' "$*" >&2; exit 2; }

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"

if [ $# -eq 0 ]; then
	for f in "$here"/scenarios/*.sh; do
		n=$(basename "$f" .sh)
		case $n in demo | bench_*) continue ;; esac
		set -- "$@" "$n"
	done
fi
for n in "$@"; do
	[ -r "$here/scenarios/$n.sh" ] || die "no scenario $n (tests/lab/scenarios/$n.sh)"
done

env=$("$here/fetch-kernel.sh") || die "cannot fetch the lab kernel"
. "$env"
director_initrd=$out/director.gz
case " $* " in
*" director"*)
	BUILD_DIR=$build "$here/director.sh" "$director_initrd" || die "cannot build the director image"
	;;
esac
# Before anything else makes $out: the initramfs is built from a fresh
# clone's empty build folder, as `make demo` does it.
BUILD_DIR=$build "$here/mkinitramfs.sh" "$initrd" || die "cannot build the initramfs"
mkdir -p "$logs" || die "cannot create $logs"
# The kernel unpacks every archive of a concatenation, later files over
# earlier ones.
if [ -n "${LAB_INITRD_EXTRA:-}" ]; then
	cat "$initrd" "$LAB_INITRD_EXTRA" > "$out/initramfs-extra.gz" || die "cannot append $LAB_INITRD_EXTRA"
	initrd=$out/initramfs-extra.gz
fi

if [ "${LAB_KVM:-0}" = 1 ]; then
	accel="-accel kvm -cpu host"
else
	accel="-accel tcg -cpu max"
fi

# boot NAME: run one scenario's VM, serial console to $logs/NAME.log.  The
# director image is a whole Debian system in memory and boots systemd
# first: more memory, more time before the scenario starts.
boot() {
	log=$logs/$1.log
	start=$(date +%s)
	case $1 in
	director*)
		vm_initrd=$director_initrd mem=1536 boot_secs=300
		vm_args="rdinit=/init systemd.show_status=0 systemd.log_level=warning"
		;;
	*) vm_initrd=$initrd mem=512 boot_secs=60 vm_args= ;;
	esac
	mem=${LAB_MEM:-$mem}
	# A scenario may ask for more time than LAB_TIMEOUT with a line
	# "# lab-timeout: SECONDS".
	t=$(sed -n 's/^# lab-timeout: *\([0-9][0-9]*\).*/\1/p' "$here/scenarios/$1.sh" | head -n 1)
	[ -n "$t" ] && [ "$t" -gt "$timeout" ] || t=$timeout
	# shellcheck disable=SC2086
	timeout -k 5 $((t + boot_secs)) qemu-system-x86_64 $accel -m $mem -smp 1 \
		-nic none -nographic -no-reboot -monitor none -serial stdio \
		-kernel "$VMLINUZ" -initrd "$vm_initrd" \
		-append "console=ttyS0 quiet panic=-1 $vm_args lab.scenario=$1 lab.timeout=$t ${LAB_APPEND:-}" \
		</dev/null 2>&1 | tr -d '\r' > "$log"
	echo "$(( $(date +%s) - start ))" > "$log.secs"
}

# Run the VMs, at most $jobs at a time (the oldest is waited for first).
names="$*"
running=""
for n in $names; do
	rm -f "$logs/$n.log" "$logs/$n.log.secs"
	boot "$n" &
	running="$running $!"
	set -- $running
	if [ $# -ge "$jobs" ]; then
		wait "$1"
		shift
		running="$*"
	fi
done
wait

passed=0
failed=0
for n in $names; do
	log=$logs/$n.log
	[ "${LAB_VERBOSE:-0}" = 1 ] && sed "s/^/[$n] /" "$log"
	p=$(grep -c '^LAB ok ' "$log")
	f=$(grep -c '^LAB FAIL ' "$log")
	grep -E '^LAB (ok|FAIL) ' "$log" | sed "s/^/$n: /"
	# Checks that need host tools (promtool) read what the guest printed.
	host=$here/host/$n.sh
	if [ -f "$host" ]; then
		hout=$(sh "$host" "$log" 2>&1)
		printf '%s\n' "$hout" | grep -E '^LAB (ok|FAIL) ' | sed "s/^/$n: /"
		p=$((p + $(printf '%s\n' "$hout" | grep -c '^LAB ok ')))
		f=$((f + $(printf '%s\n' "$hout" | grep -c '^LAB FAIL ')))
	fi
	if ! grep -q "^LAB end $n\$" "$log"; then
		echo "$n: LAB FAIL $n.vm: no end marker: the VM crashed or timed out (log: $log)"
		f=$((f + 1))
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "$n: LAB FAIL $n.empty: the scenario ran no check (log: $log)"
		f=1
	fi
	echo "$n: $p passed, $f failed in $(cat "$log.secs" 2>/dev/null || echo '?')s" >&2
	passed=$((passed + p))
	failed=$((failed + f))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
