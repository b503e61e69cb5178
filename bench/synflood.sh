#!/bin/sh
# The director under a SYN flood at full size, on the real kernel: the lab
# scenario synflood (tests/lab/scenarios/synflood.sh) in one qemu VM with
# SYNFLOOD_DR ESTABLISHED entries on a DR service (default 200,000) and
# SYNFLOOD_NAT SYN_RECV entries on a NAT service (default 50,000).
# Prints one "NAME VALUE UNIT" line per figure (the guest's BENCH lines),
# then the guest's load average and how many of the scenario's checks
# failed; a failed check does not fail make bench (the emulator is slow
# and the machine may be busy): read the figures.
#
# Environment: BUILD_DIR (default build), SYNFLOOD_DR, SYNFLOOD_NAT,
#   SYNFLOOD_KEYS (console key samples, default 40), SYNFLOOD_LNC (1: also
#   time ipvsadm -Lnc over the whole table once the NAT entries expired;
#   0 for very large tables, where it takes hours), SYNFLOOD_MEM (guest
#   MiB; default 512 + 1 MiB per 1,000 entries), SYNFLOOD_TIMEOUT (guest
#   seconds, default 3600). Needs qemu-system-x86_64 and the lab kernel
#   (tests/lab/fetch-kernel.sh); skipped with a note when qemu is missing.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-build}
dr=${SYNFLOOD_DR:-200000}
nat=${SYNFLOOD_NAT:-50000}
keys=${SYNFLOOD_KEYS:-40}
lnc=${SYNFLOOD_LNC:-1}
mem=${SYNFLOOD_MEM:-$((512 + (dr + nat) / 1000))}
tmo=${SYNFLOOD_TIMEOUT:-3600}

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "synflood: skipped: qemu-system-x86_64 is not installed" >&2
	exit 0
fi
# make bench builds the programs, not the lab's tools.
make -s -C "$here" BUILD="$build" all >/dev/null || { echo "synflood: build failed" >&2; exit 1; }

out=$(cd "$here" && LAB_JOBS=1 BUILD_DIR=$build LAB_MEM=$mem LAB_TIMEOUT=$tmo \
	LAB_APPEND="lab.flood_dr=$dr lab.flood_nat=$nat lab.flood_keys=$keys lab.flood_lnc=$lnc lab.flood_bg=30000 lab.flood_scrapes=30 lab.flood_idle=1" \
	sh tests/lab/run.sh synflood 2>&1)
log=$here/$build/lab/logs/synflood.log
case $build in /*) log=$build/lab/logs/synflood.log ;; esac
[ -r "$log" ] || { printf '%s\n' "$out" >&2; exit 1; }
sed -n 's/^BENCH //p' "$log"
echo "synflood_guest_memory $mem MiB"
echo "synflood_checks_failed $(grep -c '^LAB FAIL ' "$log") checks"
grep '^LAB FAIL ' "$log" | sed 's/^/synflood: /' >&2
echo "synflood: host load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exit 0
