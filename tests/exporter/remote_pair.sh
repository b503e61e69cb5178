#!/bin/sh
# Host integration test of the pair in `lvstop --remote A B`: lvsd
# instances replay recordings on 127.0.0.1 that carry what lvsd puts in
# its snapshot beside keepalived (the VRRP role of each instance, the
# kernel's sync daemons, the connection entries). A is the MASTER, B the
# BACKUP (its synced table at 90 % of A's, one weight different), C a
# second MASTER (split brain), D a BACKUP whose synced table stays empty.
# lvstop --remote shows each pair side by side in tmux at 80x24 and
# 120x40: both directors on the same lines, the summary naming the master
# or the trouble; B stopped by its PID: its column says it does not answer
# while A's keeps its values. Everything binds and connects to 127.0.0.1
# only; only the processes and the tmux sessions made here are ended.
#
# usage: BUILD_DIR=build sh tests/exporter/remote_pair.sh
# Needs $BUILD_DIR/lvsd, $BUILD_DIR/lvstop, $BUILD_DIR/bench/bench_exporter
# and curl, jq, tmux. Prints one line per check and "N passed, N failed".
set -u

build=${BUILD_DIR:-build}
lvsd=$build/lvsd
lvstop=$build/lvstop
gen=$build/bench/bench_exporter
sessions=""

. "$(dirname "$0")/lib.sh"

need_bins "remote pair tests" "$lvsd" "$lvstop" "$gen"
need_tools "remote pair tests" curl jq tmux

tmp=$(mktemp -d /tmp/lvstop_pair_XXXXXX)
cleanup() {
	for s in $sessions; do tmux kill-session -t "$s" 2>/dev/null; done
	stop_pids
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# start_lvsd NAME RECORDING: start lvsd on a free port, set $lp.
start_lvsd() {
	lp=$(port)
	"$lvsd" --listen "127.0.0.1:$lp" --replay "$2" --loop 2>"$tmp/$1.log" &
	pid=$!
	pids="$pids $pid"
	eval "pid_$1=$pid"
	i=0
	while [ $i -lt 100 ]; do
		curl -sf -o /dev/null "http://127.0.0.1:$lp/api/v1/snapshot" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

sync_json() { # STATE
	printf '[{"state":"%s","mcast_interface":"eth1","syncid":51,"sync_maxlen":1472,' "$1"
	printf '"mcast_group":null,"mcast_port":8848,"mcast_ttl":1}]'
}
vrrp_json() { # ROLE HELD IFACE
	printf '[{"instance":"VI_1","role":"%s","declared_state":"BACKUP","interface":"%s",' "$1" "$3"
	printf '"held":%s,"addresses":1}]' "$2"
}

"$gen" --gen "$tmp/base.jsonl" --services 3 --dests 2 --lines 40 || {
	echo "cannot generate a recording" >&2
	exit 2
}
jq -c --argjson v "$(vrrp_json MASTER 1 eth1)" --argjson s "$(sync_json master)" \
	'.vrrp = $v | .sync_daemons = $s | .connections.total = 1000' "$tmp/base.jsonl" > "$tmp/a.jsonl"
jq -c --argjson v "$(vrrp_json BACKUP 0 '')" --argjson s "$(sync_json backup)" \
	'.vrrp = $v | .sync_daemons = $s | .connections.total = 900 |
	 .services[0].real_servers[0].weight = 7' "$tmp/base.jsonl" > "$tmp/b.jsonl"
jq -c --argjson v "$(vrrp_json MASTER 1 eth1)" --argjson s "$(sync_json master)" \
	'.vrrp = $v | .sync_daemons = $s' "$tmp/base.jsonl" > "$tmp/c.jsonl"
jq -c --argjson v "$(vrrp_json BACKUP 0 '')" --argjson s "$(sync_json backup)" \
	'.vrrp = $v | .sync_daemons = $s | .connections.total = 0' "$tmp/base.jsonl" > "$tmp/d.jsonl"
rs0=$(head -n 1 "$tmp/base.jsonl" | jq -r '.services[0].real_servers[0] | "\(.address):\(.port)"')

for n in a b c d; do
	if start_lvsd "$n" "$tmp/$n.jsonl"; then
		ok "lvsd-$n.starts"
		eval "p_$n=$lp"
	else
		bad "lvsd-$n.starts" "$(tail -n 3 "$tmp/$n.log" | tr '\n' '|')"
		echo "$passed passed, $failed failed"
		exit 1
	fi
done
check snapshot.carries-vrrp sh -c "curl -s http://127.0.0.1:$p_a/api/v1/snapshot | jq -e '.vrrp[0].role == \"MASTER\"'"

# open NAME COLSxROWS URL URL: lvstop --remote in a tmux session.
open() {
	s=lvstop_pair_$1_$$
	sessions="$sessions $s"
	tmux new-session -d -s "$s" -x "${2%x*}" -y "${2#*x}" \
		"TERM=xterm-256color LANG=C.UTF-8 '$lvstop' --remote $3 $4 -d 0.5 2>'$tmp/$1.err'; sleep 30"
}
wait_for() { # SESSION FILE PATTERN SECONDS
	i=0
	while [ $i -lt $(($4 * 10)) ]; do
		tmux capture-pane -p -t "$1" > "$2"
		grep -q -- "$3" "$2" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "no '$3' on screen:"
	cat "$2"
	return 1
}
# same_line FILE LEFT RIGHT: LEFT and RIGHT side by side on one line, the
# right one in the right half (columns, not stacked).
same_line() {
	awk -v l="$2" -v r="$3" -v half="$4" '
		{ i = index($0, l); j = index($0, r) }
		i && j > i && j > half { found = 1 }
		END { exit !found }' "$1"
}

A=127.0.0.1:$p_a
B=127.0.0.1:$p_b
for size in 80x24 120x40; do
	w=${size%x*}
	half=$((w / 2 - 2))
	open "ab$w" "$size" "$A" "http://$B"
	ses=lvstop_pair_ab${w}_$$
	f=$tmp/ab$w.txt
	check "pair$w.summary" wait_for "$ses" "$f" "Pair: MASTER $A, BACKUP $B" 10
	sleep 1.5 # a few polls: the diff settles
	tmux capture-pane -p -t "$ses" > "$f"
	check "pair$w.side-by-side" same_line "$f" "$A  ok" "$B  ok" "$half"
	check "pair$w.roles" same_line "$f" "VI_1 MASTER  VIP 1/1 on eth1" "VI_1 BACKUP  VIP 0/1" "$half"
	check "pair$w.sync" same_line "$f" "sync master on eth1, syncid 51" "sync backup on eth1, syncid 51" "$half"
	check "pair$w.synced-count" grep -q "entries 900 = 90% of master's 1000" "$f"
	check "pair$w.table-differs" grep -q "table: 2 rows differ .*table: 2 rows differ" "$f"
	check "pair$w.diff-row" grep -q "    $rs0 weight .*    $rs0 weight" "$f"
	check "pair$w.fits" sh -c "sed 's/[│▸◀≠├└─]/x/g' '$f' | awk -v w=$w '{ if (length(\$0) > w) exit 1 }'"
	# The tables stay below, one section each.
	check "pair$w.sections" sh -c "grep -q '^. $A  ok' '$f'"
done

# --- B stops: its column says so, A's keeps its values -----------------------
kill "$pid_b"
wait "$pid_b" 2>/dev/null
ses=lvstop_pair_ab80_$$
f=$tmp/down.txt
check down.summary wait_for "$ses" "$f" "Pair: MASTER $A; $B NOT ANSWERING: no backup" 10
check down.columns same_line "$f" "$A  ok" "$B  NOT ANSWERING" 38
check down.cause grep -q 'connection refused' "$f"
check down.a-keeps grep -q 'VI_1 MASTER  VIP 1/1 on eth1' "$f"

# --- split brain, and a backup whose synced table stays empty ----------------
C=127.0.0.1:$p_c
D=127.0.0.1:$p_d
open ac 80x24 "$A" "$C"
check split.summary wait_for "lvstop_pair_ac_$$" "$tmp/ac.txt" "Pair: BOTH MASTER (split brain)" 10
open ad 80x24 "$A" "$D"
check empty.summary wait_for "lvstop_pair_ad_$$" "$tmp/ad.txt" "Pair: NOTHING SYNCED: MASTER $A, BACKUP $D" 10
check empty.column grep -q "entries 0, master 1000: none synced" "$tmp/ad.txt"

for s in $sessions; do tmux send-keys -t "$s" q 2>/dev/null; done
sleep 0.5
check lvstop.no-errors sh -c "cat '$tmp'/*.err | wc -c | grep -qx 0"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
