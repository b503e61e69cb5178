#!/bin/sh
# lvsd's edges: exit status 2 for usage errors (bad --listen, bad
# --interval, unknown options), 1 for runtime errors (a listener that
# cannot start, a bad configuration file); a warning at start when the
# listen address reaches beyond loopback without TLS or authentication,
# none on loopback or with both. The non-loopback address is 192.0.2.1
# (TEST-NET-1, never local): binding it fails, nothing leaves the host.
#
# usage: BUILD_DIR=build sh tests/exporter/edges.sh
set -u

build=${BUILD_DIR:-build}
lvsd=$build/lvsd
gen=$build/bench/bench_exporter

. "$(dirname "$0")/lib.sh"

need_bins "edge tests" "$lvsd" "$gen"
need_tools "edge tests" curl openssl busybox od

tmp=$(mktemp -d /tmp/lvsd_edges_XXXXXX)
cleanup() {
	stop_pids
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

rec=$tmp/r.jsonl
"$gen" --gen "$rec" --services 2 --dests 2 --lines 2 || { echo "cannot generate a recording" >&2; exit 2; }

# exits RC NAME ARGS...: lvsd ARGS exits with RC within 5 s; its stderr
# is kept in $tmp/NAME.log.
exits() {
	want=$1
	n=$2
	shift 2
	timeout 5 "$lvsd" "$@" >/dev/null 2>"$tmp/$n.log"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$n"; else bad "$n" "rc $rc, want $want: $(tr '\n' '|' < "$tmp/$n.log")"; fi
}

exits 2 exit.bad-listen-is-usage --replay "$rec" --listen nonsense
check exit.bad-listen-named grep -q -- "--listen" "$tmp/exit.bad-listen-is-usage.log"
exits 2 exit.bad-listen-port-is-usage --replay "$rec" --listen 127.0.0.1:99999
exits 2 exit.bad-interval-is-usage --replay "$rec" --interval 0
exits 2 exit.unknown-option-is-usage --bogus
exits 2 exit.extra-argument-is-usage --replay "$rec" extra
printf 'daemon = { bogus = 1; };\n' > "$tmp/bad.conf"
exits 1 exit.bad-config-is-runtime --replay "$rec" --config "$tmp/bad.conf"
# Valid, but not an address of this host: the listener cannot start.
exits 1 exit.listener-fails-is-runtime --replay "$rec" --listen 192.0.2.1:9587

check warn.exposed-plain grep -q "listening on 192.0.2.1:9587 beyond loopback without TLS or authentication" \
	"$tmp/exit.listener-fails-is-runtime.log"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
echo "prom:$(openssl passwd -6 s3cret)" > "$tmp/users"
cat > "$tmp/tls.conf" <<CONF
exporter = { listen = "192.0.2.1:9587"; tls_cert = "$tmp/cert.pem"; tls_key = "$tmp/key.pem";
             auth_file = "$tmp/users"; };
CONF
exits 1 warn.exposed-tls-auth-runs --replay "$rec" --config "$tmp/tls.conf"
check warn.exposed-tls-auth-quiet sh -c "! grep -q 'beyond loopback' '$tmp/warn.exposed-tls-auth-runs.log'"
cat > "$tmp/auth.conf" <<CONF
exporter = { listen = "192.0.2.1:9587"; auth_file = "$tmp/users"; };
CONF
exits 1 warn.exposed-auth-only-runs --replay "$rec" --config "$tmp/auth.conf"
check warn.exposed-without-tls grep -q "beyond loopback without TLS: " "$tmp/warn.exposed-auth-only-runs.log"

# Loopback, plain: no warning, and it serves.
lport=$(port)
"$lvsd" --replay "$rec" --loop --listen "127.0.0.1:$lport" 2>"$tmp/lo.log" &
lpid=$!
pids="$pids $lpid"
i=0
while [ $i -lt 100 ] && ! curl -sf -o /dev/null "http://127.0.0.1:$lport/metrics"; do sleep 0.1; i=$((i + 1)); done
check warn.loopback-serves curl -sf -o /dev/null "http://127.0.0.1:$lport/metrics"
check warn.loopback-quiet sh -c "! grep -q 'beyond loopback' '$tmp/lo.log'"
# The poller runs at nice 10 (never above what lvsd was started at); every
# other thread (the listener's, the health checks', the render's) at
# lvsd's own, so a scrape does not share the CPU equally with a poll.
nice_of() { sed 's/^.*) //' "$1" | awk '{print $17}'; }
base=$(nice_of "/proc/$lpid/stat")
want=$((base > 10 ? base : 10))
poll_ok=0
rest_ok=1
for t in /proc/"$lpid"/task/*; do
	if [ "$(cat "$t/comm")" = lvs-poll ]; then
		[ "$(nice_of "$t/stat")" = "$want" ] && poll_ok=1
	elif [ "$(nice_of "$t/stat")" != "$base" ]; then
		rest_ok=0
	fi
done
check threads.poller-lowered test "$poll_ok" = 1
check threads.others-not-lowered test "$rest_ok" = 1
kill "$lpid"
wait "$lpid"
check exit.sigterm-is-zero test $? -eq 0
pids=""

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
