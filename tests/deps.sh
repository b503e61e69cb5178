#!/bin/sh
# Installs the Debian 12 packages that building, testing and the lab need;
# does nothing when they are all present already.
set -e
PKGS="build-essential pkg-config libncurses-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev
libmicrohttpd-dev libdeflate-dev librrd-dev libcunit1-dev libjson-c-dev libyajl-dev zlib1g-dev libconfig-dev libcurl4-openssl-dev libgnutls28-dev
qemu-system-x86 busybox-static ipvsadm iproute2 cpio kmod jq tmux ncurses-term
prometheus prometheus-node-exporter curl openssl rrdtool rrdcached keepalived python3 chromium
debhelper dpkg-dev lintian debootstrap systemd clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root, or: apt-get install$missing)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
