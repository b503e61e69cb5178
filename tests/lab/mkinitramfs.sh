#!/bin/sh
# Build the lab's initramfs: busybox, iproute2, ipvsadm, jq, tmux, the
# project's binaries (when built), the kernel modules the lab needs, the guest
# init, its library and every scenario.
#
# usage: mkinitramfs.sh OUT.gz
# Environment: BUILD_DIR (default build): where lvstop and lvsd are looked for;
#              LAB_CACHE: the kernel cache (see fetch-kernel.sh).
# Rebuilds only when an input changed (the list of inputs, their sizes and
# mtimes are kept next to OUT as OUT.inputs).
set -eu

out=${1:?usage: mkinitramfs.sh OUT.gz}
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-build}

log() { printf 'mkinitramfs: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

env=$("$here/fetch-kernel.sh")
. "$env"

# Modules the guest loads; their dependencies are added from modules.dep.
want="ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr
ip_vs_dh ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_ftp
veth bridge dummy ipip ip_gre gre fou fou6 ip6_tunnel sctp
sch_ingress cls_u32 act_skbedit"

# Dynamic programs: host path -> guest path.  iproute2 goes to /sbin/ip and
# /sbin/tc, where it replaces busybox's applets (scripts call it by those
# full paths).
bins="$(readlink -f "$(command -v ip)"):/usr/sbin/ip
$(readlink -f "$(command -v tc)"):/usr/sbin/tc
$(command -v ipvsadm):/usr/sbin/ipvsadm
$(command -v jq):/usr/bin/jq
$(command -v tmux):/usr/bin/tmux"
# lvsd opens librrd (not linked) when history is on: it and the libraries
# it needs, at the path the loader finds it.
rrdlib=$(ldconfig -p | awk '$1 == "librrd.so.8" && $NF ~ /^\// { print $NF; exit }')
if [ -n "$rrdlib" ]; then
	bins="$bins
$rrdlib:$rrdlib"
fi
# rrdtool reads lvsd's history files in the history scenario.
if command -v rrdtool >/dev/null 2>&1; then
	bins="$bins
$(command -v rrdtool):/usr/bin/rrdtool"
fi
# keepalived writes the table in the scenarios about declared tables and
# master/backup pairs.
if [ -x /usr/sbin/keepalived ]; then
	bins="$bins
/usr/sbin/keepalived:/usr/sbin/keepalived"
fi
# openssl serves TLS to lvsd's HTTPS checks (s_server) in the health_tls_dns
# scenario.
if command -v openssl >/dev/null 2>&1; then
	bins="$bins
$(command -v openssl):/usr/bin/openssl"
fi
for b in lvstop lvsd lab-ipvs-dest lab-udp-burst lab-dns-answer lab-synflood lab-scrape lab-time lab-memwatch; do
	if [ -x "$build/$b" ]; then
		bins="$bins
$(readlink -f "$build/$b"):/usr/bin/$b"
	fi
done

busybox=$(command -v busybox) || die "busybox-static is not installed"
ldd "$busybox" >/dev/null 2>&1 &&
	die "$busybox is dynamically linked: install busybox-static"

# Every file that goes in, for the up-to-date check.
inputs() {
	echo "$busybox"
	echo "$bins" | cut -d: -f1
	echo "$MODDIR/modules.dep"
	find "$here/guest" "$here/scenarios" -type f
	echo "$here/mkinitramfs.sh"
}
stamp=$out.inputs
# A fresh clone has no build/lab yet.
mkdir -p "$(dirname "$out")"
inputs | sort | xargs stat -L -c '%n %s %Y' > "$stamp.new"
if [ -s "$out" ] && [ -r "$stamp" ] && cmp -s "$stamp" "$stamp.new"; then
	rm -f "$stamp.new"
	exit 0
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/lvstop-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM

# Merged /usr, as on Debian 12: the paths ldd prints resolve unchanged.
mkdir -p "$root"/usr/bin "$root"/usr/sbin "$root"/usr/lib "$root"/usr/lib64 \
	"$root"/proc "$root"/sys "$root"/dev "$root"/tmp "$root"/run \
	"$root"/etc "$root"/root "$root"/var/www "$root"/var/lib "$root"/var/log \
	"$root"/lab/scenarios
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
chmod 1777 "$root/tmp"

cp "$busybox" "$root/usr/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ -e "$root/$applet" ] || [ -L "$root/$applet" ] ||
		ln -s /usr/bin/busybox "$root/$applet"
done

# Copy a file to the same path in the guest, resolving symlinks.
copy() { # src [dst]
	dst=$root${2:-$1}
	mkdir -p "$(dirname "$dst")"
	rm -f "$dst"
	cp -L "$1" "$dst"
}

echo "$bins" | while IFS=: read -r src dst; do
	[ -n "$src" ] || continue
	copy "$src" "$dst"
	# ldd lines: "libx.so => /path (addr)" or "/lib64/ld-linux... (addr)".
	ldd "$src" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
	while read -r lib; do
		if [ ! -e "$root$lib" ]; then
			copy "$lib"
		fi
	done
done

# Terminals and a UTF-8 locale for programs driven through tmux.
if [ -d /lib/terminfo ]; then
	cp -a /lib/terminfo "$root/usr/lib/"
fi
for t in x/xterm x/xterm-256color l/linux s/screen s/screen-256color t/tmux t/tmux-256color; do
	if [ -e "/usr/share/terminfo/$t" ]; then
		copy "/usr/share/terminfo/$t"
	fi
done
if [ -d /usr/lib/locale/C.utf8 ]; then
	mkdir -p "$root/usr/lib/locale"
	cp -a /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
fi

# Fonts for the labels of lvsd's graphs (librrd draws text through
# fontconfig and pango; its default faces are DejaVu Sans and Sans Mono).
dejavu=/usr/share/fonts/truetype/dejavu
if [ -d /etc/fonts ] && [ -f "$dejavu/DejaVuSans.ttf" ]; then
	mkdir -p "$root/etc" "$root$dejavu"
	cp -a /etc/fonts "$root/etc/"
	cp "$dejavu/DejaVuSans.ttf" "$dejavu/DejaVuSansMono.ttf" "$root$dejavu/"
fi

# Kernel modules: the wanted ones and everything they depend on.
mods=$(awk -v want="$want" '
	BEGIN { n = split(want, w, /[ \n]+/); for (i = 1; i <= n; i++) if (w[i] != "") wanted[w[i]] = 1 }
	{
		sub(/:$/, "", $1)
		name = $1; sub(/.*\//, "", name); sub(/\.ko(\..*)?$/, "", name)
		if (name in wanted) { for (i = 1; i <= NF; i++) { f = $i; sub(/:$/, "", f); print f } }
	}' "$MODDIR/modules.dep" | sort -u)
gmod=$root/usr/lib/modules/$KVER
mkdir -p "$gmod"
for m in $mods; do
	mkdir -p "$gmod/$(dirname "$m")"
	cp "$MODDIR/$m" "$gmod/$m"
done
cp "$MODDIR"/modules.builtin* "$MODDIR/modules.order" "$gmod/"
depmod -b "$root" "$KVER"

# Small /etc so that programs asking for users and hosts get answers.
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$root/etc/hosts"

cp "$here/guest/init" "$root/init"
chmod 0755 "$root/init"
cp "$here"/guest/*.sh "$root/lab/"
cp "$here"/scenarios/*.sh "$root/lab/scenarios/"

(cd "$root" && find . | cpio -o -H newc --quiet -R 0:0) | gzip -1 > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
mv "$stamp.new" "$stamp"
log "$out: $(du -h "$out" | cut -f1), modules: $(echo "$mods" | wc -l)"
