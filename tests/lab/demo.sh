#!/bin/sh
# Boot the demo cluster (scenarios/demo.sh) with its serial console on this
# terminal: NAT, DR and TUN services with live traffic, watched by lvstop.
#
# usage: tests/lab/demo.sh
# Environment: BUILD_DIR, LAB_CACHE, LAB_KVM as for run.sh.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-build}
initrd=$build/lab/initramfs.gz

env=$("$here/fetch-kernel.sh")
. "$env"
BUILD_DIR=$build "$here/mkinitramfs.sh" "$initrd"

rows=24 cols=80
if size=$(stty size 2>/dev/null); then
	rows=${size% *} cols=${size#* }
fi
term=${TERM:-linux}
case $term in *[!A-Za-z0-9._-]*) term=linux ;; esac

if [ "${LAB_KVM:-0}" = 1 ]; then
	accel="-accel kvm -cpu host"
else
	accel="-accel tcg -cpu max"
fi

cat <<EOT
lvstop demo: NAT, DR and TUN services under live traffic, in a VM (${cols}x${rows}, $term).
Quit: q in the console; Ctrl-A x always ends the VM.
Booting...
EOT
sleep 1
# -nographic puts the serial line on this terminal, with Ctrl-A as the
# escape key (Ctrl-A x quits, Ctrl-A h lists the others).
# shellcheck disable=SC2086
exec qemu-system-x86_64 $accel -m 512 -smp 1 -nic none -nographic -no-reboot \
	-kernel "$VMLINUZ" -initrd "$initrd" \
	-append "console=ttyS0 quiet panic=-1 lab.scenario=demo lab.timeout=86400 lab.rows=$rows lab.cols=$cols lab.term=$term"
