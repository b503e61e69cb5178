# A director under a SYN flood. lab-synflood, in the client namespace,
# sends from spoofed sources of 198.18.0.0/15 (the benchmarking range): a
# NAT service gets bare SYNs (entries in SYN_RECV, which the kernel keeps
# 60 s), a DR service gets SYN then ACK per flow (entries go ESTABLISHED
# and stay: ipvsadm --set gives tcp 3600 s). The real servers' routes to
# 198.18.0.0/15 are blackholes, so nothing they answer resets an entry.
# While lvsd (default configuration) and the console run:
# - every /metrics scrape answers, polls keep their schedule (poll age,
#   polls counted, poll duration within the interval);
# - the connection-table read stays within its bounds: lvstop --json and
#   lvsd's poll take at most the time bound plus slack, lvsd's peak memory
#   does not grow with the table, and a read stopped by its bound says so
#   (lvstop --json "partial", --once text, ipvs_connection_table_complete 0,
#   the console's "+" and PARTIAL banner);
# - the console's keys answer: keypress-to-frame through tmux, p50/p99;
# - nothing crashes (lvsd ends with 0 on SIGTERM, the console with 0 on q);
# - the entries are there: ipvsadm -Ln's ActiveConn + InActConn over the DR
#   real servers equals the flows sent, over the NAT ones 90-100% of them
#   (and lvstop's per-real-server counts equal ipvsadm's); at the end
#   ipvsadm -Lnc reads the whole table, its time beside lvstop's bounded
#   read, its ESTABLISHED count equal to the flows sent; one read() at the
#   table's end is timed (what a bounded reader can overrun by).
# Lines "BENCH NAME VALUE UNIT" carry the figures to bench/synflood.sh.
# Size: lab.flood_dr=, lab.flood_nat= and lab.flood_keys= on the kernel
# command line (LAB_APPEND); make check runs 10,000 DR + 5,000 NAT entries,
# 4,500 background SYNs, 6 scrapes, 6 key presses and no whole-table
# ipvsadm -Lnc
# (lab.flood_lnc=1: it waits for the NAT entries to expire, then reads for
# minutes under the emulator: the read is quadratic, see docs/metrics.md);
# make bench (bench/synflood.sh) 200,000 + 50,000 with ipvsadm -Lnc.
# lab-timeout: 300
. /lab/lib.sh

lab_have_lvstop || exit 0
for t in lvsd lab-synflood tmux; do
	command -v $t >/dev/null 2>&1 || { lab_fail "flood.$t" "$t is not in the image"; exit 0; }
done
karg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^lab\.$1=//p" | tail -n 1; }
DR_N=$(karg flood_dr)
DR_N=${DR_N:-10000}
NAT_N=$(karg flood_nat)
NAT_N=${NAT_N:-5000}
KEYS=$(karg flood_keys)
KEYS=${KEYS:-6}
LNC=$(karg flood_lnc)
LNC=${LNC:-0}
say() { echo "synflood: $*"; }
bench() { echo "BENCH synflood_$*"; }
# Milliseconds of uptime without a fork (the key timings poll fast).
ms() { read -r _u _ < /proc/uptime; _c=${_u%.*}${_u#*.}; echo $((_c * 10)); }
load() { cut -d' ' -f1-3 /proc/loadavg; }

lab_check topology.nat lab_nat || exit 0
lab_check topology.dr lab_dr || exit 0
for ns in nat1 nat2 dr1 dr2; do
	$IP -n "$ns" route add blackhole 198.18.0.0/15 || lab_fail flood.blackhole "$ns"
done
sysctl -qw net.ipv4.conf.dcli.rp_filter=0
sysctl -qw net.core.netdev_max_backlog=100000
lab_check flood.timeouts ipvsadm --set 3600 120 300

# --- lvsd with its defaults, the console in tmux -----------------------------
lvsd 2>/tmp/lvsd.log &
LVSD=$!
URL=http://127.0.0.1:9587/metrics
scrape() { wget -O - "$URL" 2>/dev/null; }
metric() { awk -v n="$1" '$1 == n { print $2 }' "$2"; }
lab_check flood.lvsd-up lab_wait_for 30 sh -c "wget -O - $URL 2>/dev/null | grep -q '^ipvs_up 1\$'" ||
	{ cat /tmp/lvsd.log; exit 0; }
scrape > /tmp/m0.txt
hwm0=$(awk '$1 == "VmHWM:" { print $2 }' /proc/$LVSD/status)

export TERM=xterm LC_ALL=C.UTF-8
S=flood
screen() { tmux capture-pane -p -t "$S"; }
tmux new-session -d -s "$S" -x 120 -y 40 \
	"sh -c 'lvstop --read-only; echo lvstop-rc=\$?; sleep 3600'" ||
	{ lab_fail flood.tmux "tmux new-session failed"; exit 0; }
lab_check flood.console-started lab_wait_for 30 sh -c "tmux capture-pane -p -t $S | grep -q F1Help"

# c toggles the connection view: time from send-keys to the screen that
# shows the change, polled through capture-pane (its own cost included).
key_ms() { # KEY present|absent MARKER
	_a=$(ms)
	tmux send-keys -t "$S" "$1"
	while :; do
		if screen | grep -qF "$3"; then [ "$2" = present ] && break
		else [ "$2" = absent ] && break; fi
		[ $(($(ms) - _a)) -gt 30000 ] && { echo timeout; return 1; }
	done
	echo $(($(ms) - _a))
}
# keys_run LABEL: KEYS presses; sets lost, prints p50/p99.
keys_run() {
	: > /tmp/keys.txt
	_i=0
	lost=0
	while [ $_i -lt "$KEYS" ]; do
		_i=$((_i + 1))
		if [ $((_i % 2)) -eq 1 ]; then _v=$(key_ms c present 'Connection table:'); else
			_v=$(key_ms c absent 'Connection table:'); fi
		case $_v in
		timeout) lost=$((lost + 1)) ;;
		*) echo "$_v" >> /tmp/keys.txt ;;
		esac
	done
	_n=$(wc -l < /tmp/keys.txt)
	[ "$_n" -gt 0 ] || return 0
	_p50=$(sort -n /tmp/keys.txt | awk -v n="$_n" 'NR == int((n + 1) / 2) { print }')
	_p99=$(sort -n /tmp/keys.txt | awk -v n="$_n" 'NR == int((n * 99 + 99) / 100) { print }')
	say "console keypress-to-frame ($1) over $_n keys: p50 $_p50 ms, p99 $_p99 ms (TCG, capture-pane polling included; load $(load))"
	bench "key_p50_$1 $_p50 ms"
	bench "key_p99_$1 $_p99 ms"
}
# The same keys on the idle table: what the measurement itself costs
# (make bench; lab.flood_idle=1).
[ "$(karg flood_idle)" = 1 ] && keys_run idle

# --- the flood -----------------------------------------------------------------
t0=$(ms)
lab_check flood.dr-sent lab_in client lab-synflood -d "$LAB_DR_VIP:80" -n "$DR_N" -a -S 1
t1=$(ms)
lab_check flood.nat-sent lab_in client lab-synflood -d "$LAB_NAT_VIP:80" -n "$NAT_N" -S 2
t2=$(ms)
say "sent $DR_N DR flows (SYN+ACK) in $((t1 - t0)) ms, $NAT_N NAT SYNs in $((t2 - t1)) ms (load $(load))"

bench "dr_flood_ms $((t1 - t0)) ms"
bench "nat_flood_ms $((t2 - t1)) ms"
# The oracle, cheap (netlink, not the connection table): ActiveConn plus
# InActConn over a service's real servers is its number of entries (the
# kernel counts SYN_RECV entries as active; the NAT ones live 60 s from
# their SYN). The sender can run ahead of the director's receive path
# (packets wait in the backlog): wait until the counts stop moving.
rs_sum() { # VIP: entries over the VIP's real servers (ActiveConn + InActConn)
	awk -v v="$1" '$1 == "TCP" { in_svc = ($2 == v) } $1 == "->" && in_svc { n += $5 + $6 } END { print n + 0 }' /tmp/ln.txt
}
oracle() { ipvsadm -Ln > /tmp/ln.txt; ipvs_est=$(rs_sum "$LAB_DR_VIP:80"); ipvs_syn=$(rs_sum "$LAB_NAT_VIP:80"); }
oracle
i=0
while [ $i -lt 30 ]; do
	prev="$ipvs_est $ipvs_syn"
	sleep 1
	oracle
	say "settling: DR entries $ipvs_est, NAT entries $ipvs_syn"
	[ "$prev" = "$ipvs_est $ipvs_syn" ] && [ "$ipvs_est" -ge "$DR_N" ] && [ "$ipvs_syn" -gt 0 ] && break
	i=$((i + 1))
done
say "ipvsadm -Ln: DR entries $ipvs_est, NAT entries $ipvs_syn"
lab_eq flood.dr-established "$DR_N" "$ipvs_est"
if [ "$ipvs_syn" -ge $((NAT_N * 9 / 10)) ] && [ "$ipvs_syn" -le "$NAT_N" ]; then
	lab_ok flood.nat-syn-recv
else
	lab_fail flood.nat-syn-recv "ipvsadm shows $ipvs_syn NAT entries for $NAT_N SYNs sent"
fi
total=$((DR_N + NAT_N))
bench "entries $((ipvs_est + ipvs_syn)) entries"
mem_av=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
say "MemAvailable $mem_av MiB with $((ipvs_est + ipvs_syn)) entries"
bench "guest_mem_available $mem_av MiB"

# What one read() at the table's end costs (the seek walks the table once
# with formatting, the read once more): what a bounded reader overruns by.
lb=$(head -n 2 /proc/net/ip_vs_conn | tail -n 1 | wc -c)
end_read() { # prints ms
	_n=$(($(rs_sum "$LAB_DR_VIP:80") + $(rs_sum "$LAB_NAT_VIP:80")))
	_a=$(ms)
	dd if=/proc/net/ip_vs_conn of=/dev/null bs=4096 skip=$(((_n - 100) * lb / 4096)) count=1 2>/dev/null
	_b=$(ms)
	say "one read() at the end of $_n entries ($lb-byte lines): $((_b - _a)) ms (seek and read; load $(load))"
	echo "$((_b - _a))" > /tmp/endread
}
end_read
end_ms=$(cat /tmp/endread)
bench "end_read_ms $end_ms ms"
bench "end_read_entries $((ipvs_est + ipvs_syn)) entries"

# lvstop's read of the same table, default bounds (2,000,000 entries, 0.5 s),
# beside the same program without the connection table.
a=$(ms)
lvstop --once --json --no-conns > /dev/null
b=$(ms)
nc_ms=$((b - a))
a=$(ms)
lvstop --once --json > /tmp/l.json
rc=$?
b=$(ms)
lv_ms=$((b - a))
lab_eq flood.json-exit 0 "$rc"
partial=$(jq -r '.connections.partial' /tmp/l.json)
lv_total=$(jq -r '.connections.total' /tmp/l.json)
lv_est=$(jq -r '.connections.by_state.ESTABLISHED // 0' /tmp/l.json)
lv_active=$(jq -r --arg v "$LAB_DR_VIP" '[.services[] | select(.address == $v) | .real_servers[] | .active_conns + .inactive_conns] | add' /tmp/l.json)
say "lvstop --once --json: $lv_total entries, partial $partial, in $lv_ms ms (load $(load)); by state: $(jq -c '.connections.by_state' /tmp/l.json)"
bench "lvstop_json_ms $lv_ms ms"
bench "lvstop_json_entries $lv_total entries"
bench "lvstop_json_partial $([ "$partial" = true ] && echo 1 || echo 0) flag"
lab_cmp flood.json-dr-active "$ipvs_est" "$lv_active"
if [ "$partial" = false ]; then
	# Complete: the DR entries (which do not expire) are all there.
	lab_eq flood.json-established "$DR_N" "$lv_est"
elif [ "$partial" = true ] && [ "$lv_total" -gt 0 ] && [ "$lv_total" -le $((DR_N + NAT_N)) ]; then
	lab_ok flood.json-partial-lower-bound
else
	lab_fail flood.json-partial "partial '$partial' with $lv_total entries of $((ipvs_est + ipvs_syn))"
fi
# Within the time bound: the connection read adds at most its 0.5 s plus
# one read() at the table's end (twice that: the timing above includes a
# seek) and 1.5 s for the emulator's noise.
conn_ms=$((lv_ms - nc_ms))
say "the connection read added $conn_ms ms to lvstop --once --json ($nc_ms ms without it)"
bench "lvstop_conn_read_ms $conn_ms ms"
if [ "$conn_ms" -le $((500 + end_ms * 2 + 1500)) ]; then lab_ok flood.json-time-bounded; else
	lab_fail flood.json-time-bounded "the connection read added $conn_ms ms (one read() at the end: $end_ms ms)"; fi

# A read stopped by its bound says so everywhere.
lvstop --once --json --conn-limit 1000 > /tmp/l1.json
lab_eq flood.partial-json true "$(jq -r '.connections.partial' /tmp/l1.json)"
lab_eq flood.partial-json-total 1000 "$(jq -r '.connections.total' /tmp/l1.json)"
lab_check flood.partial-once sh -c "lvstop --once --conn-limit 1000 | grep -q '^Connections: 1000 (partial: table read only in part)'"

# --- scrapes and polls during a continuing flood -------------------------------
# More NAT SYNs in the background (300 a second, other sources), while
# /metrics is scraped every second.
BG_N=$(karg flood_bg)
BG_N=${BG_N:-4500}
lab_in client lab-synflood -d "$LAB_NAT_VIP:80" -n "$BG_N" -r 300 -S 3 >/tmp/bg.txt 2>&1 &
BG=$!
# The console's keys first, while the background flood surely runs.
keys_run flood
lab_eq flood.console-keys-answer 0 "$lost"
SCRAPES=$(karg flood_scrapes)
SCRAPES=${SCRAPES:-6}
ok=0
late=0
maxdur=0
maxage=0
scrape > /tmp/m0.txt
p0=$(metric lvsd_polls_total /tmp/m0.txt)
s0=$(ms)
i=0
while [ $i -lt $SCRAPES ]; do
	i=$((i + 1))
	if scrape > /tmp/m.txt && tail -n 1 /tmp/m.txt | grep -q '^lvsd_health_checks '; then
		ok=$((ok + 1))
		now=$(date +%s)
		age=$(awk -v now="$now" '$1 == "lvsd_last_poll_timestamp_seconds" { printf "%d", now - $2 }' /tmp/m.txt)
		dur=$(awk '$1 == "lvsd_poll_duration_seconds" { printf "%d", $2 * 1000 }' /tmp/m.txt)
		[ "$age" -gt "$maxage" ] && maxage=$age
		[ "$dur" -gt "$maxdur" ] && maxdur=$dur
		# interval 2 s + the poll itself + 1 s of rounding and slack
		[ "$age" -gt 5 ] && late=$((late + 1))
		cp /tmp/m.txt /tmp/mlast.txt
	fi
	sleep 1
done
s1=$(ms)
p1=$(metric lvsd_polls_total /tmp/mlast.txt)
lab_eq flood.scrapes-answered "$SCRAPES" "$ok"
lab_eq flood.poll-age-on-schedule 0 "$late"
polls=$((p1 - p0))
want=$(( (s1 - s0) / 2000 - 2 ))
say "scrapes $ok/$SCRAPES over $((s1 - s0)) ms: $polls polls (want >= $want), poll age max ${maxage} s, poll duration max ${maxdur} ms (load $(load))"
bench "scrapes_answered $ok of_$SCRAPES"
bench "poll_duration_max_ms $maxdur ms"
bench "poll_age_max_s $maxage s"
if [ "$polls" -ge "$want" ]; then lab_ok flood.polls-on-schedule; else
	lab_fail flood.polls-on-schedule "$polls polls in $((s1 - s0)) ms at a 2 s interval"; fi
if [ "$maxdur" -le 2000 ]; then lab_ok flood.poll-duration-bounded; else
	lab_fail flood.poll-duration-bounded "a poll took $maxdur ms (interval 2 s)"; fi
lab_eq flood.poll-errors 0 "$(metric lvsd_poll_errors_total /tmp/mlast.txt)"
complete=$(metric ipvs_connection_table_complete /tmp/mlast.txt)
entries=$(awk '$1 ~ /^ipvs_connection_entries\{/ { n += $2 } END { print n + 0 }' /tmp/mlast.txt)
say "lvsd: ipvs_connection_table_complete $complete, ipvs_connection_entries $entries"
case $complete in
1) [ "$entries" -ge "$DR_N" ] && lab_ok flood.metrics-entries ||
	lab_fail flood.metrics-entries "complete read of $entries entries, $DR_N DR entries alone" ;;
0) [ "$entries" -gt 0 ] && lab_ok flood.metrics-entries ||
	lab_fail flood.metrics-entries "partial read of $entries entries" ;;
*) lab_fail flood.metrics-entries "no ipvs_connection_table_complete" ;;
esac
hwm1=$(awk '$1 == "VmHWM:" { print $2 }' /proc/$LVSD/status)
say "lvsd VmHWM $((hwm0 / 1024)) MiB before the flood, $((hwm1 / 1024)) MiB after"
bench "lvsd_vmhwm_before $((hwm0 / 1024)) MiB"
bench "lvsd_vmhwm_after $((hwm1 / 1024)) MiB"
# The read's memory does not depend on the table's size.
if [ $((hwm1 - hwm0)) -le $((16 * 1024)) ]; then lab_ok flood.lvsd-memory-bounded; else
	lab_fail flood.lvsd-memory-bounded "VmHWM grew from $((hwm0 / 1024)) to $((hwm1 / 1024)) MiB"; fi

# lvsd's metrics when its read stops at its bound: a second lvsd whose
# connection_limit is below the table.
cat > /tmp/lvsd-limit.conf <<EOC
daemon = { connection_limit = 1000; };
exporter = { listen = "127.0.0.1:9588"; };
health = { default_checks = false; };
EOC
lvsd --config /tmp/lvsd-limit.conf 2>/tmp/lvsd-limit.log &
LVSD2=$!
if lab_wait_for 30 sh -c "wget -O - http://127.0.0.1:9588/metrics 2>/dev/null > /tmp/m2.txt && grep -q '^ipvs_connection_table_complete' /tmp/m2.txt"; then
	lab_eq flood.partial-metrics 0 "$(metric ipvs_connection_table_complete /tmp/m2.txt)"
	lab_eq flood.partial-metrics-entries 1000 \
		"$(awk '$1 ~ /^ipvs_connection_entries\{/ { n += $2 } END { print n + 0 }' /tmp/m2.txt)"
else
	lab_fail flood.partial-metrics "no connection metrics from lvsd with connection_limit 1000: $(tail -n 2 /tmp/lvsd-limit.log)"
fi
kill -TERM "$LVSD2"
wait "$LVSD2"

# The console's header and view agree on a stopped read.
tmux send-keys -t "$S" c
lab_wait_for 10 sh -c "tmux capture-pane -p -t $S | grep -q 'Connection table:'"
# One capture for both: the next poll's read may end otherwise (its time
# bound is near at this size under emulation), and two captures could
# show two polls.
screen > /tmp/flood-screen.txt
hdr=$(grep -o 'Conn entries [^ ]*' /tmp/flood-screen.txt | head -n 1)
if grep -q 'PARTIAL:' /tmp/flood-screen.txt; then
	case $hdr in *+) lab_ok flood.console-partial-agrees ;; *) lab_fail flood.console-partial-agrees "PARTIAL banner, header '$hdr'" ;; esac
else
	case $hdr in *+) lab_fail flood.console-partial-agrees "header '$hdr' without a PARTIAL banner" ;; *) lab_ok flood.console-partial-agrees ;; esac
fi
say "console header: $hdr"
for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = lvstop ] || continue
	h=$(awk '$1 == "VmHWM:" { print int($2 / 1024) }' "$p/status")
	say "console VmHWM $h MiB"
	bench "console_vmhwm $h MiB"
	break
done
tmux send-keys -t "$S" q
lab_check flood.console-exit-0 lab_wait_for 15 sh -c "tmux capture-pane -p -t $S | grep -q 'lvstop-rc=0'"
tmux kill-session -t "$S"

# A console whose read stops at its bound shows it.
tmux new-session -d -s flood2 -x 120 -y 40 "lvstop --read-only --conn-limit 1000"
lab_wait_for 30 sh -c "tmux capture-pane -p -t flood2 | grep -q F1Help"
lab_check flood.console-partial-header lab_wait_for 15 sh -c "tmux capture-pane -p -t flood2 | grep -q 'Conn entries [0-9.,K]*+'"
tmux send-keys -t flood2 c
lab_check flood.console-partial-banner lab_wait_for 15 sh -c "tmux capture-pane -p -t flood2 | grep -q 'PARTIAL: the table was read only partly'"
tmux kill-session -t flood2

wait "$BG"
say "background flood: $(cat /tmp/bg.txt)"

# The whole table, read by ipvsadm -Lnc and by lvstop in turn, once it is
# quiet: a read of a table that changes under it skips or repeats entries
# (positions shift), so the NAT entries must have expired first.
if [ "$LNC" = 1 ]; then
	i=0
	while [ $i -lt 90 ]; do
		oracle
		[ "$ipvs_syn" -eq 0 ] && break
		sleep 1
		i=$((i + 1))
	done
	lab_eq flood.quiet-nat-expired 0 "$ipvs_syn"
	end_read
	bench "end_read_quiet_ms $(cat /tmp/endread) ms"
	a=$(ms)
	lvstop --once --json > /tmp/l2.json
	b=$(ms)
	say "lvstop --once --json: $(jq -r '.connections.total' /tmp/l2.json) entries, partial $(jq -r '.connections.partial' /tmp/l2.json), in $((b - a)) ms (load $(load))"
	bench "lvstop_json_quiet_ms $((b - a)) ms"
	bench "lvstop_json_quiet_entries $(jq -r '.connections.total' /tmp/l2.json) entries"
	a=$(ms)
	ipvsadm -Lnc > /tmp/ipvsadm.txt
	b=$(ms)
	lnc_est=$(awk -v v="$LAB_DR_VIP:80" '$3 == "ESTABLISHED" && $5 == v' /tmp/ipvsadm.txt | wc -l)
	say "ipvsadm -Lnc: $(($(wc -l < /tmp/ipvsadm.txt) - 2)) entries ($lnc_est ESTABLISHED on DR) in $((b - a)) ms (load $(load))"
	bench "ipvsadm_lnc_ms $((b - a)) ms"
	bench "ipvsadm_lnc_entries $(($(wc -l < /tmp/ipvsadm.txt) - 2)) entries"
	lab_eq flood.lnc-established "$DR_N" "$lnc_est"
	# ipvsadm reads with 4 KiB stdio buffers, the same re-walks.
fi
bench "guest_load1 $(cut -d' ' -f1 /proc/loadavg) load"

lab_check flood.lvsd-alive kill -0 "$LVSD"
kill -TERM "$LVSD"
wait "$LVSD"
lab_eq flood.lvsd-exit-0 0 "$?"
lab_check flood.no-oops sh -c "! dmesg | grep -qE 'BUG:|Oops:|Kernel panic|general protection fault|segfault at|soft lockup'"
