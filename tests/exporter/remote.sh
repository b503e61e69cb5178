#!/bin/sh
# Host integration test of `lvstop --remote`: two lvsd instances replay
# recordings on 127.0.0.1 (the second one's table differs: a weight, a
# missing service); lvstop --remote watches both inside tmux. Checks: a
# section per director with its services, read-only, the differing rows
# marked on both sides, the zoom into rrd history (a chart from the lvsd
# with history, the cause from the one without), then one lvsd stopped by
# its PID: its section is marked with the cause and keeps its last table,
# while the other keeps updating. Everything binds and connects to
# 127.0.0.1 only; only the processes and the tmux session made here are
# ended.
#
# usage: BUILD_DIR=build sh tests/exporter/remote.sh
# Needs $BUILD_DIR/lvsd, $BUILD_DIR/lvstop, $BUILD_DIR/bench/bench_exporter
# (make all build/bench/bench_exporter) and curl, jq, tmux, busybox.
# Prints one line per check and a final "N passed, N failed".
set -u

build=${BUILD_DIR:-build}
lvsd=$build/lvsd
lvstop=$build/lvstop
gen=$build/bench/bench_exporter
session=""

. "$(dirname "$0")/lib.sh"

need_bins "remote tests" "$lvsd" "$lvstop" "$gen"
need_tools "remote tests" curl jq tmux busybox

tmp=$(mktemp -d /tmp/lvstop_remote_XXXXXX)
cleanup() {
	[ -n "$session" ] && tmux kill-session -t "$session" 2>/dev/null
	stop_pids
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# start_lvsd LOG PORT ARGS...: start lvsd, set $lpid, wait until it answers.
start_lvsd() {
	log=$1
	lp=$2
	shift 2
	"$lvsd" --listen "127.0.0.1:$lp" "$@" 2>"$log" &
	lpid=$!
	pids="$pids $lpid"
	i=0
	while [ $i -lt 100 ]; do
		curl -sf -o /dev/null "http://127.0.0.1:$lp/api/v1/snapshot" && return 0
		kill -0 "$lpid" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# The recordings: B is A with real server 0 of service 0 at weight 7 and
# the last service gone.
rec_a=$tmp/a.jsonl
rec_b=$tmp/b.jsonl
"$gen" --gen "$rec_a" --services 5 --dests 2 --lines 40 --mixed || { echo "cannot generate a recording" >&2; exit 2; }
jq -c '.services[0].real_servers[0].weight = 7 | del(.services[-1])' "$rec_a" > "$rec_b"
# Console spellings of what the checks look for.
jq_name='def ep: if .af == "inet6" then "[\(.address)]:\(.port)" else "\(.address):\(.port)" end;
def svc: if .fwmark then "FWM \(.fwmark)" + (if .af == "inet6" then " IPv6" else "" end) else ep end;'
svc0=$(head -n 1 "$rec_a" | jq -r "$jq_name .services[0] | svc")
rs0=$(head -n 1 "$rec_a" | jq -r "$jq_name .services[0].real_servers[0] | ep")
svc1=$(head -n 1 "$rec_a" | jq -r "$jq_name .services[1] | svc")
last_svc=$(head -n 1 "$rec_a" | jq -r "$jq_name .services[-1] | svc")

cat > "$tmp/a.conf" <<EOC
daemon = { interval = 0.25; };
history = { directory = "$tmp/rrd"; real_servers = true; };
EOC
cat > "$tmp/b.conf" <<EOC
daemon = { interval = 0.25; };
EOC
pa=$(port)
if start_lvsd "$tmp/a.log" "$pa" --config "$tmp/a.conf" --replay "$rec_a" --loop; then
	apid=$lpid
	ok lvsd-a.starts
else
	bad lvsd-a.starts "$(tail -n 3 "$tmp/a.log" | tr '\n' '|')"
	echo "$passed passed, $failed failed"
	exit 1
fi
pb=$(port)
while [ "$pb" = "$pa" ]; do pb=$(port); done
if start_lvsd "$tmp/b.log" "$pb" --config "$tmp/b.conf" --replay "$rec_b" --loop; then
	bpid=$lpid
	ok lvsd-b.starts
else
	bad lvsd-b.starts "$(tail -n 3 "$tmp/b.log" | tr '\n' '|')"
	echo "$passed passed, $failed failed"
	exit 1
fi

# Bad arguments are refused before any terminal is touched.
check args.bad-url sh -c "'$lvstop' --remote ftp://127.0.0.1:1 2>&1 >/dev/null | grep -q 'only http:// and https://'"
check args.twice sh -c "'$lvstop' --remote 127.0.0.1:$pa http://127.0.0.1:$pa/ 2>&1 >/dev/null | grep -q 'given twice'"
check args.not-with-once sh -c "! '$lvstop' --once --remote 127.0.0.1:$pa 2>/dev/null"

session=lvstop_remote_$$
tmux new-session -d -s "$session" -x 160 -y 50 \
	"TERM=xterm-256color LANG=C.UTF-8 '$lvstop' --remote 127.0.0.1:$pa http://127.0.0.1:$pb -d 0.5 2>'$tmp/lvstop.err'; sleep 30"
cap() { tmux capture-pane -p -t "$session" > "$1"; }
# section FILE PORT: the lines of one director's section (its header to
# the next header).
section() {
	awk -v h="127.0.0.1:$2 " '/^(▸|>) 127\.0\.0\.1:/ { on = index($0, "▸ " h) == 1 || index($0, "> " h) == 1 } on' "$1"
}
wait_for() { # FILE PATTERN SECONDS: capture until PATTERN shows
	i=0
	while [ $i -lt $(($3 * 10)) ]; do
		cap "$1"
		grep -q -- "$2" "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "no '$2' on screen:"
	cat "$1"
	return 1
}

check screen.both-answer wait_for "$tmp/s1" 'answering 2' 10
sleep 1.5 # a few polls: rates and diffs settle
cap "$tmp/s1"
section "$tmp/s1" "$pa" > "$tmp/s1a"
section "$tmp/s1" "$pb" > "$tmp/s1b"
check section.a-header grep -q "127.0.0.1:$pa  ok  polled" "$tmp/s1a"
check section.b-header grep -q "127.0.0.1:$pb  ok  polled" "$tmp/s1b"
check section.a-services sh -c "grep -qF ' $svc0 ' '$tmp/s1a' && grep -qF ' $svc1 ' '$tmp/s1a' && grep -qF '$last_svc' '$tmp/s1a'"
check section.b-services sh -c "grep -qF ' $svc0 ' '$tmp/s1b' && grep -qF ' $svc1 ' '$tmp/s1b'"
check section.b-lacks-last sh -c "! grep -qF '$last_svc' '$tmp/s1b'"
check header.read-only grep -q '\[read-only\]' "$tmp/s1"
# The diff, both ways: the weight on rs0 in each section, the service
# only A has.
check diff.a-weight sh -c "grep -F '$rs0' '$tmp/s1a' | grep -q 'weight'"
check diff.b-weight sh -c "grep -F '$rs0' '$tmp/s1b' | grep -q 'weight'"
check diff.a-only-here sh -c "grep -F '$last_svc' '$tmp/s1a' | grep -q 'only here'"
check diff.a-service-marked sh -c "grep -F ' $svc0 ' '$tmp/s1a' | grep -q 'servers'"
check diff.same-unmarked sh -c "! grep -F ' $svc1 ' '$tmp/s1a' | grep -q 'servers\|sched\|only here'"
check diff.header-counts grep -q "rows differ from 127.0.0.1:$pb" "$tmp/s1a"
# Traffic share: A has one service more, so it carries more conn/s.
check traffic.shares sh -c "grep -q 'conn/s [0-9.]*[KM]* ([0-9]*%)' '$tmp/s1a' && grep -q 'conn/s [0-9.]*[KM]* ([0-9]*%)' '$tmp/s1b'"

# --- zoom: A's first service (line 3 of the view: header, titles, it) --------
tmux send-keys -t "$session" j j Enter
check zoom.detail wait_for "$tmp/z0" "Virtual service .* $svc0" 5
check zoom.rings-hint grep -q 'zooms out to the rrd history' "$tmp/z0"
tmux send-keys -t "$session" -
check zoom.hour wait_for "$tmp/z1" "History: last hour, from lvsd at http://127.0.0.1:$pa" 5
check zoom.chart wait_for "$tmp/z1" 'conn/s  (last hour, rows of' 10
check zoom.chart-bars sh -c "grep -A6 'conn/s  (last hour' '$tmp/z1' | grep -q '█'"
check zoom.axis sh -c "grep -A8 'conn/s  (last hour' '$tmp/z1' | grep -Eq '^ +[0-9][0-9]:[0-9][0-9] '"
tmux send-keys -t "$session" -
check zoom.day wait_for "$tmp/z2" 'conn/s  (last day, rows of' 10
tmux send-keys -t "$session" + +
check zoom.back-to-rings wait_for "$tmp/z3" 'zooms out to the rrd history' 5
# B's last real server: lvsd B keeps no history, and says so.
tmux send-keys -t "$session" Escape
sleep 0.3
tmux send-keys -t "$session" G Enter
check zoom.other-detail wait_for "$tmp/z4" "Real server .* of " 5
tmux send-keys -t "$session" -
check zoom.error-cause wait_for "$tmp/z4" 'history: .*HTTP 404: history is off' 10
tmux send-keys -t "$session" + Escape
sleep 0.3

# --- one director stopped -------------------------------------------------------
check screen.directors-view wait_for "$tmp/s2" 'View directors' 5
kill "$bpid"
wait "$bpid" 2>/dev/null
check b.marked wait_for "$tmp/s3" "127.0.0.1:$pb  NOT ANSWERING" 10
check b.cause grep -q "127.0.0.1:$pb/api/v1/snapshot: connection refused" "$tmp/s3"
section "$tmp/s3" "$pb" > "$tmp/s3b"
check b.keeps-table grep -qF " $svc1 " "$tmp/s3b"
check header.answering-1 grep -q 'answering 1' "$tmp/s3"
section "$tmp/s3" "$pa" > "$tmp/s3a"
check a.still-ok grep -q "127.0.0.1:$pa  ok  polled [0-9.]*s ago" "$tmp/s3a"
# A's poll age stays fresh and its counters move while B is down.
age=$(sed -n "s/.*127.0.0.1:$pa  ok  polled \([0-9.]*\)s ago.*/\1/p" "$tmp/s3a" | head -n 1)
check a.age-fresh awk -v a="${age:-99}" 'BEGIN { exit !(a < 2) }'
sleep 2
cap "$tmp/s4"
section "$tmp/s4" "$pa" | grep -v 'polled' > "$tmp/s4a"
grep -v 'polled' "$tmp/s3a" > "$tmp/s3a.rows"
check a.updates sh -c "! cmp -s '$tmp/s3a.rows' '$tmp/s4a'"
check a.still-ok-later grep -q "127.0.0.1:$pa  ok  polled" "$tmp/s4"

tmux send-keys -t "$session" q
sleep 0.5
check lvstop.no-errors sh -c "[ ! -s '$tmp/lvstop.err' ]"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
