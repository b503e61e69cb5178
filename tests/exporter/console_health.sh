#!/bin/sh
# Host integration test of lvsd's health in the local console: lvsd
# replays a recording on 127.0.0.1 with HTTP checks of its real servers,
# which are loopback ports (one answered by busybox httpd, one closed);
# `lvstop --replay` of the same recording with --lvsd pointing at it runs
# in tmux at 100 columns. Checks: the header names the lvsd, the HEALTH
# column shows up and down for the right real servers; without --lvsd the
# same recording shows no health; with lvsd stopped (by its PID) the
# header says it is not reachable and why, and the rows fall back to a
# dash. Everything binds and connects to 127.0.0.1 only; only the
# processes and the tmux sessions made here are ended.
#
# usage: BUILD_DIR=build sh tests/exporter/console_health.sh
# Needs $BUILD_DIR/lvsd, $BUILD_DIR/lvstop, $BUILD_DIR/bench/bench_exporter
# and curl, jq, tmux, busybox. Prints one line per check and a final
# "N passed, N failed".
set -u

build=${BUILD_DIR:-build}
lvsd=$build/lvsd
lvstop=$build/lvstop
gen=$build/bench/bench_exporter
sessions=""

. "$(dirname "$0")/lib.sh"

need_bins "console health tests" "$lvsd" "$lvstop" "$gen"
need_tools "console health tests" curl jq tmux busybox

tmp=$(mktemp -d /tmp/lvstop_health_XXXXXX)
cleanup() {
	for s in $sessions; do tmux kill-session -t "$s" 2>/dev/null; done
	stop_pids
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Two loopback real servers: one answers HTTP, one port is closed.
mkdir -p "$tmp/www"
echo ok > "$tmp/www/index.html"
up_port=$(port)
busybox httpd -f -p "127.0.0.1:$up_port" -h "$tmp/www" &
pids="$pids $!"
down_port=$(port)
[ "$down_port" = "$up_port" ] && down_port=$((up_port + 1))

# One TCP service whose real servers are those two ports; no health in it.
rec=$tmp/rec.jsonl
"$gen" --gen "$tmp/g.jsonl" --services 1 --dests 2 --lines 20 || { echo "cannot generate a recording" >&2; exit 2; }
jq -c --argjson u "$up_port" --argjson d "$down_port" '
	.services[0].real_servers[0].address = "127.0.0.1" | .services[0].real_servers[0].port = $u |
	.services[0].real_servers[1].address = "127.0.0.1" | .services[0].real_servers[1].port = $d |
	del(.services[].real_servers[].health, .services[].real_servers[].health_since,
	    .services[].real_servers[].health_error, .services[].real_servers[].check_seconds)' \
	"$tmp/g.jsonl" > "$rec"
svc=$(head -n 1 "$rec" | jq -r '.services[0] | "\(.address):\(.port)"')

cat > "$tmp/lvsd.conf" <<EOC
daemon = { interval = 0.5; };
services = (
  { service = "tcp:$svc";
    check = { type = "http"; path = "/"; expect_status = 200; expect_body = "ok";
              interval = 0.3; timeout = 0.5; rise = 1; fall = 1; }; }
);
EOC
lport=$(port)
"$lvsd" --config "$tmp/lvsd.conf" --replay "$rec" --loop --listen "127.0.0.1:$lport" 2>"$tmp/lvsd.log" &
lpid=$!
pids="$pids $lpid"
i=0
while [ $i -lt 100 ] && ! curl -sf -o /dev/null "http://127.0.0.1:$lport/api/v1/snapshot"; do
	sleep 0.1
	i=$((i + 1))
done
check lvsd.starts curl -sf -o /dev/null "http://127.0.0.1:$lport/api/v1/snapshot"
# lvsd's own view, the oracle: up for the httpd, down for the closed port.
lvsd_health() { # PORT
	curl -sf "http://127.0.0.1:$lport/api/v1/snapshot" |
		jq -r --argjson p "$1" '.services[0].real_servers[] | select(.port == $p) | .health'
}
i=0
while [ $i -lt 50 ] && { [ "$(lvsd_health "$up_port")" != up ] || [ "$(lvsd_health "$down_port")" != down ]; }; do
	sleep 0.1
	i=$((i + 1))
done
check lvsd.oracle-up test "$(lvsd_health "$up_port")" = up
check lvsd.oracle-down test "$(lvsd_health "$down_port")" = down

# console NAME ARGS...: lvstop in a 100x30 tmux session.
console() {
	s=$1
	shift
	sessions="$sessions $s"
	tmux new-session -d -s "$s" -x 100 -y 30 "env TERM=xterm LC_ALL=C.UTF-8 $lvstop --replay $rec --loop -d 0.5 $*; sleep 600"
}
screen() { tmux capture-pane -p -t "$1"; }
# wait_screen SESSION SECONDS EXTENDED-REGEX
wait_screen() {
	i=0
	while [ $i -lt $(($2 * 5)) ]; do
		screen "$1" | grep -qE "$3" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	echo "not on screen after $2 s: $3"
	screen "$1" | sed 's/^/| /'
	return 1
}
# The HEALTH cell of a real server's row: the first field after its
# endpoint that is a real server's health (the sparkline may follow it).
cell() {
	screen "$1" | awk -v ep="$2" '{ for (i = 1; i <= NF; i++) if ($i == ep) {
		for (j = i + 1; j <= NF; j++) if ($j ~ /^(up|down|-)$/) { print $j; exit }
		exit } }'
}

console lvh --lvsd "127.0.0.1:$lport"
check console.header-names-lvsd wait_screen lvh 10 "health: lvsd 127\.0\.0\.1:$lport"
check console.health-title wait_screen lvh 5 'HEALTH'
wait_cell() { wait_eq 5 "$3" cell "$1" "$2"; } # SESSION ENDPOINT VALUE: within 5 s
check console.row-up wait_cell lvh 127.0.0.1:$up_port up
check console.row-up-is-up test "$(cell lvh "127.0.0.1:$up_port")" = up
check console.row-down-is-down test "$(cell lvh "127.0.0.1:$down_port")" = down
check console.service-counts wait_screen lvh 5 "$svc .* 1/2( |\$)"

# The same recording without --lvsd: no health (a replay asks no lvsd).
console lvn
check console.no-lvsd-started wait_screen lvn 10 "127\.0\.0\.1:$up_port"
check console.no-lvsd-no-health test "$(cell lvn "127.0.0.1:$up_port")" = -
check console.no-lvsd-no-header sh -c "! tmux capture-pane -p -t lvn | grep -q 'health: lvsd'"

# lvsd stopped: the header says so and why; the rows lose lvsd's health.
kill "$lpid"
wait "$lpid" 2>/dev/null
check console.unreachable-header wait_screen lvh 10 'health: lvsd not reachable \(connection refused\)'
check console.unreachable-rows wait_cell lvh 127.0.0.1:$up_port -

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
