#!/bin/sh
# Host test of `make install` and `make uninstall` into scratch directories.
#
#   - DESTDIR with PREFIX=/usr: every file lands where the package and
#     docs/install.md say; the unit names /usr/sbin/lvsd and /etc/lvsd;
#     every docs/*.md a manual names is installed; the default config is
#     valid for the installed lvsd; the data files (dashboard, alert rules)
#     are there and no source file of share/ is.
#   - A second install keeps an edited config; uninstall removes every file
#     install put there except that config; the default one it removes.
#   - PREFIX in a scratch directory (no DESTDIR): the generated unit names
#     the installed lvsd and `systemd-analyze verify` accepts it.
#
# usage: tests/install.sh   (from the top of the tree; make install-test)
# Prints "ok NAME" / "FAIL NAME: detail" lines, then "N passed, N failed".
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-build}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lvstop-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
check() { # NAME CMD...
	_n=$1
	shift
	if _o=$("$@" 2>&1); then ok "$_n"; else fail "$_n" "$(printf '%s' "$_o" | tail -n 3 | tr '\n' '|')"; fi
}
mk() { make -s -C "$top" BUILD="$build" "$@" >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; return 1; }; }

unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
unitdir=${unitdir:-/lib/systemd/system}
d=$tmp/dest
check install.destdir mk install DESTDIR="$d" PREFIX=/usr
for f in usr/sbin/lvsd usr/sbin/lvstop usr/share/man/man8/lvsd.8 usr/share/man/man8/lvstop.8 \
	"${unitdir#/}/lvsd.service" etc/lvsd/lvsd.conf etc/logrotate.d/lvstop \
	usr/share/lvstop/grafana/lvsd-directors.json usr/share/lvstop/prometheus/lvsd-alerts.yml \
	usr/share/lvstop/lvsd.conf.example; do
	check "installed.$f" test -f "$d/$f"
done
check installed.binaries-executable test -x "$d/usr/sbin/lvsd" -a -x "$d/usr/sbin/lvstop"
unit=$d$unitdir/lvsd.service
check unit.execstart grep -qx 'ExecStart=/usr/sbin/lvsd --config /etc/lvsd/lvsd.conf' "$unit"
check unit.no-placeholder sh -c "! grep -n '@' '$unit'"
# Every docs/NAME.md a manual names is installed beside the others.
missing=""
for m in "$d"/usr/share/man/man8/*.8; do
	for doc in $(grep -o 'docs/[a-z-]*\.md' "$m" | sort -u); do
		[ -f "$d/usr/share/doc/lvstop/$doc" ] || missing="$missing $(basename "$m"):$doc"
	done
done
if [ -z "$missing" ]; then ok installed.docs-the-manuals-name; else
	fail installed.docs-the-manuals-name "missing:$missing"; fi
check config.default-valid "$d/usr/sbin/lvsd" --config "$d/etc/lvsd/lvsd.conf" --check-config
leaked=$(cd "$d" && find . -name '*.c' -o -name '*.h' -o -name '*.in' -o -name '*.o' | head -n 3)
if [ -z "$leaked" ]; then ok installed.data-only; else fail installed.data-only "$leaked"; fi

# An operator's edit survives a second install and the uninstall.
echo '# edited' >> "$d/etc/lvsd/lvsd.conf"
check install.again mk install DESTDIR="$d" PREFIX=/usr
check config.edit-kept grep -q '^# edited$' "$d/etc/lvsd/lvsd.conf"
check uninstall.destdir mk uninstall DESTDIR="$d" PREFIX=/usr
left=$(cd "$d" && find . -type f | sort | tr '\n' ' ')
if [ "$left" = "./etc/lvsd/lvsd.conf " ]; then ok uninstall.only-edited-config-left; else
	fail uninstall.only-edited-config-left "left: $left"; fi
# The default config, unedited, goes with the rest.
check install.third mk install DESTDIR="$d" PREFIX=/usr
cp "$top/share/lvsd.conf" "$d/etc/lvsd/lvsd.conf"
check uninstall.again mk uninstall DESTDIR="$d" PREFIX=/usr
left=$(cd "$d" && find . -type f | tr '\n' ' ')
if [ -z "$left" ]; then ok uninstall.nothing-left; else fail uninstall.nothing-left "left: $left"; fi

# A prefix that exists on this host: the unit runs what install put there.
p=$tmp/prefix
check install.prefix mk install PREFIX="$p/usr" SYSCONFDIR="$p/etc" SYSTEMDUNITDIR="$p/unit"
check unit.prefix-execstart grep -qx "ExecStart=$p/usr/sbin/lvsd --config $p/etc/lvsd/lvsd.conf" "$p/unit/lvsd.service"
if command -v systemd-analyze >/dev/null; then
	check unit.verify systemd-analyze verify --man=no "$p/unit/lvsd.service"
else
	fail unit.verify "systemd-analyze is not installed"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
