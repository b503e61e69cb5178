#!/bin/sh
# Fetch the lab kernel: Debian 12's linux-image-cloud-amd64 (IPVS, every
# scheduler, veth, bridge and ipip as modules), unpacked into the cache, never
# into the repository.  Idempotent: a kernel already unpacked is reused.
#
# Prints the path of the kernel's env file (KVER, VMLINUZ, MODDIR) on stdout.
# Environment: LAB_CACHE (default ~/.cache/lvstop-lab).
set -eu

cache=${LAB_CACHE:-$HOME/.cache/lvstop-lab}
meta=linux-image-cloud-amd64

log() { printf 'fetch-kernel: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

mkdir -p "$cache"

# The metapackage depends on exactly one versioned image package.
pkg=$(apt-cache depends "$meta" 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }') || pkg=
if [ -z "$pkg" ]; then
	# Offline or no apt lists: fall back on whatever is cached.
	if [ -r "$cache/kernel.env" ]; then
		log "cannot resolve $meta; using the cached kernel"
		echo "$cache/kernel.env"
		exit 0
	fi
	die "cannot resolve $meta with apt-cache (run apt-get update)"
fi

dir=$cache/$pkg
env=$dir/kernel.env
if [ -r "$env" ]; then
	. "$env"
	if [ -r "$VMLINUZ" ] && [ -r "$MODDIR/modules.dep" ]; then
		ln -sfn "$env" "$cache/kernel.env"
		echo "$cache/kernel.env"
		exit 0
	fi
fi

log "fetching $pkg"
tmp=$cache/.fetch.$$
rm -rf "$tmp" "$dir"
mkdir -p "$tmp/root"
trap 'rm -rf "$tmp"' EXIT INT TERM
# apt drops privileges to _apt for downloads: let it write here.
chmod 0777 "$tmp"
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) || die "apt-get download $pkg failed"
deb=$(ls "$tmp"/*.deb)
dpkg -x "$deb" "$tmp/root"

vmlinuz=$(ls "$tmp"/root/boot/vmlinuz-* | head -n 1)
[ -n "$vmlinuz" ] || die "no vmlinuz in $deb"
kver=${vmlinuz##*/vmlinuz-}
[ -d "$tmp/root/lib/modules/$kver" ] || die "no modules for $kver in $deb"
depmod -b "$tmp/root" "$kver"

mkdir -p "$dir"
mv "$tmp/root/boot" "$tmp/root/lib" "$dir/"
cat > "$env" <<EOT
KVER=$kver
VMLINUZ=$dir/boot/vmlinuz-$kver
MODDIR=$dir/lib/modules/$kver
EOT
ln -sfn "$env" "$cache/kernel.env"
log "kernel $kver ready in $dir"
echo "$cache/kernel.env"
