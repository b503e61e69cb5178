#!/bin/sh
# Build the lab's "director" image: a Debian 12 root file system made with
# debootstrap, booted as an initramfs with systemd as init (see director.sh).
#
# usage: mkimage-director.sh [DEB]
#   DEB: the lvstop package; its runtime dependencies (Depends) go into the
#        image so that `apt install ./lvstop_*.deb` needs no network there.
# Prints the path of the packed root file system (a gzipped cpio) on stdout.
#
# The image is cached beside the lab kernel, keyed by its package list and
# this script: $LAB_CACHE/director-KEY/rootfs.cpio.gz.  Nothing is rebuilt
# when it exists.  Environment:
#   LAB_CACHE     the cache (default ~/.cache/lvstop-lab)
#   LAB_MIRROR    the Debian mirror (default: the host's apt sources)
#   LAB_TIMING=1  print how long debootstrap and the packing took
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${LAB_CACHE:-$HOME/.cache/lvstop-lab}
deb=${1:-}

log() { printf 'mkimage-director: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"

env=$("$here/fetch-kernel.sh")
. "$env"

# The director's tools, keepalived for pairs of directors, tmux to drive
# the console, and what the lab library calls (busybox for httpd, nc, wget).
pkgs="systemd systemd-sysv udev dbus iproute2 ipvsadm keepalived kmod procps
busybox tmux curl jq ca-certificates openssl logrotate"
if [ -n "$deb" ]; then
	[ -r "$deb" ] || die "$deb: cannot read"
	# "libc6 (>= 2.34), libx | liby" -> "libc6 libx": the first of each
	# alternative, without versions.
	depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' |
		sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' | grep .)
	pkgs="$pkgs $depends"
fi
pkgs=$(printf '%s\n' $pkgs | sort -u | tr '\n' ' ')
key=$( { echo "$pkgs"; echo "$KVER"; cat "$0"; } | sha256sum | cut -c 1-12)
dir=$cache/director-$key
img=$dir/rootfs.cpio.gz
if [ -s "$img" ]; then
	echo "$img"
	exit 0
fi

mirror=${LAB_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n 1)
fi
if [ -z "$mirror" ]; then
	mirror=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
fi
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$cache"
tmp=$cache/.director.$$
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM
root=$tmp/root

log "debootstrap bookworm from $mirror: $pkgs"
t0=$(date +%s)
debootstrap --variant=minbase --include="$(echo $pkgs | tr ' ' ',')" \
	bookworm "$root" "$mirror" > "$tmp/debootstrap.log" 2>&1 ||
	{ tail -n 20 "$tmp/debootstrap.log" >&2; die "debootstrap failed"; }
t1=$(date +%s)

# Smaller: no documentation, translations or package cache.
rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
	"$root"/usr/share/locale/* "$root"/var/cache/apt/*.bin \
	"$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages
# Keep it that way for what apt installs later.
cat > "$root/etc/dpkg/dpkg.cfg.d/lab-nodoc" <<'EOT'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/locale/*
path-include /usr/share/doc/lvstop/*
EOT

# The kernel's modules (the image boots the lab's cloud kernel).
mkdir -p "$root/usr/lib/modules"
cp -a "$MODDIR" "$root/usr/lib/modules/$KVER"
depmod -b "$root" "$KVER"

echo director > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 director\n::1 localhost\n' > "$root/etc/hosts"
: > "$root/etc/machine-id"
# Nothing to wait for and no login on the serial line: the lab's unit owns it.
for u in serial-getty@ttyS0.service getty@tty1.service systemd-networkd-wait-online.service \
	apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer \
	systemd-timesyncd.service keepalived.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done
# busybox applets the image has no other program for (httpd, nc, wget,
# nslookup...) in /usr/local/bin, where the lab library finds them.
chroot "$root" /bin/busybox --list | while read -r a; do
	if ! chroot "$root" /bin/sh -c "command -v '$a'" >/dev/null 2>&1; then
		ln -s /bin/busybox "$root/usr/local/bin/$a"
	fi
done

# systemd is init; the lab's unit runs the scenario on the serial console.
ln -sf /lib/systemd/systemd "$root/init"
mkdir -p "$root/lab/scenarios" "$root/lab/debs"
cat > "$root/etc/systemd/system/lab-scenario.service" <<'EOT'
[Unit]
Description=lvstop lab scenario
After=multi-user.target

[Service]
Type=exec
ExecStart=/lab/director-run
StandardInput=tty
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/ttyS0
TTYReset=yes

[Install]
WantedBy=multi-user.target
EOT
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf ../lab-scenario.service "$root/etc/systemd/system/multi-user.target.wants/lab-scenario.service"

t2=$(date +%s)
mkdir -p "$dir"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$img.tmp"
mv "$img.tmp" "$img"
t3=$(date +%s)
printf '%s\n' "$pkgs" > "$dir/packages"
printf 'debootstrap %s s, pack %s s (%s), load %s\n' $((t1 - t0)) $((t3 - t2)) \
	"$(du -h "$img" | cut -f1)" "$(cut -d' ' -f1-3 /proc/loadavg)" > "$dir/timing"
log "$img: $(cat "$dir/timing")"
echo "$img"
