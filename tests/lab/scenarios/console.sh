# The full-screen console against the real kernel, driven like a person
# would: lvstop runs in a shell inside tmux; keys go in with send-keys and
# the screen comes back with capture-pane.  Checked: the services and real
# servers ipvsadm -Ln lists appear with their schedulers, methods and
# weights; counters follow traffic; sorting and filtering change the rows;
# resizing redraws without leftovers, ACTIVE, INACT and HEALTH down to 80
# columns, the header saying no lvsd answers; unloading ip_vs raises the
# banner (at 80 columns shortened to its cause and fix) and
# reloading it recovers; q exits 0 and gives the terminal back.
. /lab/lib.sh

lab_have_lvstop || exit 0
command -v tmux >/dev/null 2>&1 || { lab_fail console.tmux "tmux is not in the image"; exit 0; }
lab_check topology.all lab_all || exit 0

export TERM=xterm LC_ALL=C.UTF-8
S=lvcon
screen() { tmux capture-pane -p -t "$S"; }
keys() { tmux send-keys -t "$S" "$@"; sleep 1; }
# wait_screen SECONDS EXTENDED-REGEX: until the screen shows it.
wait_screen() {
	_i=0
	while [ "$_i" -lt "$1" ]; do
		screen | grep -qE "$2" && return 0
		sleep 1
		_i=$((_i + 1))
	done
	return 1
}
# wait_gone SECONDS EXTENDED-REGEX: until the screen no longer shows it.
wait_gone() {
	_i=0
	while [ "$_i" -lt "$1" ]; do
		screen | grep -qE "$2" || return 0
		sleep 1
		_i=$((_i + 1))
	done
	return 1
}
dump() { echo "--- screen ($1):"; screen | sed 's/^/| /'; }

# What ipvsadm says: "proto endpoint scheduler" per service and
# "endpoint method weight" per real server.
oracle_svcs() { ipvsadm -Ln | awk '$1 ~ /^(TCP|UDP|SCTP|FWM)$/ { print tolower($1), $2, $3 }'; }
oracle_rs() { ipvsadm -Ln | awk '$1 == "->" && $2 != "RemoteAddress:Port" { print $2, tolower($3), $4 }'; }
# What the console shows for a real server: the method (the field after its
# endpoint) and the weight (the first whole number after that: a FLAGS
# column, e.g. the tunnel type, may come between them on wide screens).
screen_after() {
	screen | awk -v ep="$1" '{
		for (i = 1; i < NF; i++) if ($i == ep) {
			for (j = i + 2; j <= NF; j++) if ($j ~ /^-?[0-9]+$/) break
			print $(i + 1), $j
			exit
		}
	}'
}
# The service endpoints in screen order (service rows: proto, fold mark, endpoint).
screen_svcs() {
	screen | awk '$1 ~ /^(tcp|udp|sctp|fwm)$/ && ($2 == "-" || $2 == "+" || $2 == "") { print $3 }' | tr '\n' ' '
}
# The real-server rows on screen (tree glyphs before the endpoint).
screen_rs_rows() { screen | awk '$1 ~ /^(tcp|udp|sctp|fwm)$/ && $2 != "-" && $2 != "+"' | wc -l; }

# A non-interactive shell around lvstop: no job control that would take
# the SIGSTOP below for the end of the job.
tmux new-session -d -s "$S" -x 160 -y 50 \
	"sh -c 'lvstop -d 1 --read-only; echo lvstop-rc=\$?; sleep 600'" ||
	{ lab_fail console.tmux-start "tmux new-session failed"; exit 0; }
if ! wait_screen 30 'F1Help'; then
	lab_fail console.started "no console on the screen after 30 s"
	dump start
	tmux kill-session -t "$S"
	exit 0
fi
lab_ok console.started
wait_screen 10 'Real servers [0-9]' >/dev/null
lab_check console.read-only-shown sh -c "tmux capture-pane -p -t $S | head -n 1 | grep -q '\[read-only\]'"

# --- the table against ipvsadm -Ln ------------------------------------------
n_svc=$(oracle_svcs | wc -l)
n_rs=$(oracle_rs | wc -l)
lab_cmp console.header-services "$n_svc" "$(screen | sed -n 's/.*Services \([0-9]*\) .*/\1/p' | head -n 1)"
lab_cmp console.header-real-servers "$n_rs" "$(screen | sed -n 's/.*Real servers \([0-9]*\) .*/\1/p' | head -n 1)"
oracle_svcs | while read -r proto ep sched; do
	lab_cmp "console.service-$ep" "$proto $sched" \
		"$(screen | awk -v ep="$ep" '{ for (i = 3; i <= NF; i++) if ($i == ep) { print $(i - 2), $(i + 1); exit } }')"
done
oracle_rs | while read -r ep fwd weight; do
	lab_cmp "console.rs-$ep" "$fwd $weight" "$(screen_after "$ep")"
done
lab_cmp console.rs-rows "$n_rs" "$(screen_rs_rows)"

# --- counters follow traffic: the NAT service's detail, exact numbers ----------
conns_of() { ipvsadm -Ln --stats --exact | awk -v s="$1" '$2 == s { print $3 }'; }
detail_conns() { screen | awk '$1 == "Connections" { print $2; exit }'; }
keys /
keys "$LAB_NAT_VIP:80"
keys Enter
keys Enter
keys x
wait_screen 10 "Virtual service tcp $LAB_NAT_VIP:80" || dump detail
before=$(detail_conns)
lab_cmp console.detail-conns-before "$(conns_of "$LAB_NAT_VIP:80")" "$before"
lab_check console.traffic lab_traffic "$LAB_NAT_VIP" 80 10
lab_wait_stats
sleep 2
after=$(detail_conns)
lab_cmp console.detail-conns-after "$(conns_of "$LAB_NAT_VIP:80")" "$after"
lab_check console.counters-moved test "${after:-0}" -ge $((${before:-0} + 10))
# Connection-table entries of the service's real servers, as ipvsadm -Lnc
# lists them (destination column), against the detail's count.
set -- $LAB_NAT_RS
entries=$(ipvsadm -Lnc | awk -v a="$1:80" -v b="$2:80" 'NR > 2 && ($6 == a || $6 == b)' | wc -l)
lab_check console.detail-conn-entries-some test "$entries" -ge 10
lab_cmp console.detail-conn-entries "$entries" "$(screen | awk '$1 == "Entries" { print $2; exit }')"
dump detail
keys Escape
keys x
keys Escape # clears the filter
wait_screen 5 "$LAB_DR_VIP:80" >/dev/null

# --- sorting ---------------------------------------------------------------------
want=$(oracle_svcs | awk '{ print $2 }' | sort | tr '\n' ' ')
lab_cmp console.sort-name "$want" "$(screen_svcs)"
keys I
want=$(oracle_svcs | awk '{ print $2 }' | sort -r | tr '\n' ' ')
lab_cmp console.sort-name-inverted "$want" "$(screen_svcs)"
keys '>'
want=$(oracle_svcs | awk '{ print $3, $2 }' | sort | awk '{ print $2 }' | tr '\n' ' ')
lab_cmp console.sort-scheduler "$want" "$(screen_svcs)"
lab_check console.sort-indicator sh -c "tmux capture-pane -p -t $S | grep -qE 'SCHED(▲|\\^)'"
keys '<' # back to the name

# --- filtering ---------------------------------------------------------------------
keys /
keys "$LAB_DR_VIP"
lab_cmp console.filter-services "$LAB_DR_VIP:80 " "$(screen_svcs)"
lab_cmp console.filter-rows "$(oracle_rs | grep -c '^192\.0\.2\.7[56]:')" "$(screen_rs_rows)"
keys Enter
lab_check console.filter-shown sh -c "tmux capture-pane -p -t $S | grep -q 'Filter $LAB_DR_VIP'"
keys Escape
lab_cmp console.filter-cleared "$n_rs" "$(screen_rs_rows)"

# --- resizing: what is on screen equals a fresh redraw (^L) ------------------------
keys p # paused: the data stays put between the two captures
titles_have() { screen | grep -m 1 '^PROTO ' | grep -qE "$1"; }
header3_has() { screen | sed -n 3p | grep -qE "$1"; }
for size in "80 24" "200 60" "100 30"; do
	set -- $size
	tmux resize-window -t "$S" -x "$1" -y "$2"
	sleep 2
	screen | sed 1d > /tmp/resized
	keys C-l
	sleep 1
	screen | sed 1d > /tmp/redrawn
	lab_check "console.resize-${1}x$2-clean" cmp -s /tmp/resized /tmp/redrawn ||
		diff /tmp/resized /tmp/redrawn | head -n 10
	lab_eq "console.resize-${1}x$2-lines" "$2" "$(screen | wc -l)"
	lab_check "console.resize-${1}x$2-bar" sh -c "tmux capture-pane -p -t $S | tail -n 1 | grep -q '^F1Help'"
	lab_check "console.resize-${1}x$2-rows" sh -c "tmux capture-pane -p -t $S | grep -q '$LAB_TUN_VIP:80'"
	# ipvsadm's ActiveConn and InActConn side by side, and health, on
	# every size down to 80 columns (the title row follows the header).
	lab_check "console.resize-${1}x$2-active-inact" titles_have ' ACTIVE +INACT '
	lab_check "console.resize-${1}x$2-health" titles_have ' HEALTH( |$)'
	# No lvsd in this VM: the header says so, and why, in whole words.
	lab_check "console.resize-${1}x$2-no-lvsd" header3_has '^health: lvsd not reachable \(connection refused\)'
	dump "services-${1}x$2"
done
# Columns come and go with the width: the sparkline only on wide screens.
lab_check console.narrow-no-history sh -c "! tmux capture-pane -p -t $S | grep -q HISTORY"
tmux resize-window -t "$S" -x 200 -y 60
sleep 2
lab_check console.wide-history sh -c "tmux capture-pane -p -t $S | grep -q HISTORY"
keys p

# --- ip_vs unloaded: the banner; reloaded: recovery --------------------------------
autoload() { # on|off (as in unload.sh: no module autoloading while it is meant to be gone)
	if [ "$1" = on ]; then echo /sbin/modprobe > /proc/sys/kernel/modprobe; else echo /bin/false > /proc/sys/kernel/modprobe; fi
}
# lab_unload_ipvs flushes the table before removing the module; a poll in
# between would show the empty table as the last good data.  lvstop is
# stopped meanwhile, so that its last good snapshot is the full table.
row_plain=$(screen | grep -F "$LAB_DR_VIP:80" | head -n 1)
row_attr=$(tmux capture-pane -p -e -t "$S" | grep -F "$LAB_DR_VIP:80" | head -n 1)
pid=$(pidof lvstop)
kill -STOP $pid
autoload off
lab_check console.rmmod lab_unload_ipvs
kill -CONT $pid
if wait_screen 15 'STALE'; then
	lab_ok console.banner-stale
else
	lab_fail console.banner-stale "no STALE on screen 15 s after unloading ip_vs"
fi
dump stale
lab_check console.banner-names-ip_vs sh -c "tmux capture-pane -p -t $S | sed -n 4p | grep -q ip_vs"
# At 80x24 the banner is shortened, not cut: the cause and the fix stay.
tmux resize-window -t "$S" -x 80 -y 24
sleep 2
dump stale-80x24
lab_check console.banner-80-fix sh -c "tmux capture-pane -p -t $S | sed -n 4p | grep -q '^ IPVS is not available (load it with: modprobe ip_vs)'"
# ... and ends with a whole word: the age of the data, or the fix.
banner_ends_whole() { screen | sed -n 4p | sed 's/ *$//' | grep -qE '(ip_vs\)|old\))$'; }
lab_check console.banner-80-whole banner_ends_whole
tmux resize-window -t "$S" -x 200 -y 60
sleep 2
# The last good data stays, same text, other attributes (greyed).
lab_cmp console.stale-data-kept "$row_plain" "$(screen | grep -F "$LAB_DR_VIP:80" | head -n 1)"
lab_check console.stale-data-greyed test "$row_attr" != "$(tmux capture-pane -p -e -t "$S" | grep -F "$LAB_DR_VIP:80" | head -n 1)"
autoload on
lab_check console.modprobe modprobe ip_vs
ipvsadm -A -t 203.0.113.99:80 -s rr
ipvsadm -a -t 203.0.113.99:80 -r 192.0.2.11:80 -m -w 7
if wait_gone 15 'STALE'; then
	lab_ok console.banner-gone
else
	lab_fail console.banner-gone "still STALE 15 s after reloading ip_vs"
	dump reloaded
fi
wait_screen 10 '203\.0\.113\.99:80' >/dev/null
# The service and its real server can come one poll apart.
wait_screen 10 '192\.0\.2\.11:80' >/dev/null
lab_cmp console.reloaded-rs "masq 7" "$(screen_after 192.0.2.11:80)"
lab_check console.flushed-gone sh -c "! tmux capture-pane -p -t $S | grep -q '$LAB_DR_VIP:80'"

# --- the event log saw it ---------------------------------------------------------
keys e
lab_check console.event-service-left sh -c "tmux capture-pane -p -t $S | grep -q -- '- service tcp $LAB_DR_VIP:80'"
lab_check console.event-service-came sh -c "tmux capture-pane -p -t $S | grep -q -- '+ service tcp 203.0.113.99:80'"
dump events
keys c
dump conns
lab_check console.conns-view sh -c "tmux capture-pane -p -t $S | grep -q 'Connection table'"
keys F1
lab_check console.help-from-table sh -c "tmux capture-pane -p -t $S | grep -q 'F3 /'"
dump help

# --- q quits with 0 and gives the terminal back ------------------------------------
keys q
if wait_screen 10 'lvstop-rc='; then
	lab_eq console.quit-exit "lvstop-rc=0" "$(screen | grep -o 'lvstop-rc=[0-9]*' | tail -n 1)"
else
	lab_fail console.quit-exit "lvstop did not exit 10 s after q"
	dump quit
fi
lab_check console.terminal-restored sh -c "! tmux capture-pane -p -t $S | grep -q F1Help"
tmux kill-session -t "$S" 2>/dev/null
true

# --- health from the lvsd on this director -----------------------------------------
# lvsd listens where its configuration says (not the default port): the
# console, given no --lvsd, finds it there and shows its checks; nat1's
# httpd stopped turns its row down; lvsd stopped, the header says so.
if command -v lvsd >/dev/null 2>&1; then
	mkdir -p /etc/lvsd
	cat > /etc/lvsd/lvsd.conf <<EOC
daemon = { interval = 1.0; };
exporter = { listen = "127.0.0.1:9600"; };
services = (
  { service = "tcp:203.0.113.99:80";
    check = { type = "http"; path = "/"; expect_status = 200;
              interval = 0.5; timeout = 1.0; rise = 1; fall = 1; }; }
);
EOC
	lvsd --config /etc/lvsd/lvsd.conf 2>/tmp/lvsd-console.log &
	LVSD=$!
	S=lvhealth
	tmux new-session -d -s "$S" -x 100 -y 30 "sh -c 'lvstop -d 1 --read-only; sleep 600'"
	lab_check console.lvsd-from-conf wait_screen 20 'health: lvsd 127\.0\.0\.1:9600'
	# The HEALTH cell of nat1's row: the first field after its endpoint
	# that is a real server's health (the sparkline may follow it).
	health_of() {
		screen | awk -v ep="$1" '{ for (i = 1; i <= NF; i++) if ($i == ep) {
			for (j = i + 1; j <= NF; j++) if ($j ~ /^(up|down|-)$/) { print $j; exit }
			exit } }'
	}
	wait_health() { # ENDPOINT VALUE SECONDS
		_i=0
		while [ "$_i" -lt "$3" ]; do
			[ "$(health_of "$1")" = "$2" ] && return 0
			sleep 1
			_i=$((_i + 1))
		done
		echo "HEALTH of $1 is '$(health_of "$1")', wanted $2"
		return 1
	}
	lab_check console.lvsd-health-up wait_health 192.0.2.11:80 up 15
	hp=$(ps | awk '/httpd -p 80 -h \/srv\/nat1$/ && !/awk/ { print $1 }')
	[ -n "$hp" ] && kill $hp
	lab_check console.lvsd-health-down wait_health 192.0.2.11:80 down 15
	dump health-down
	kill "$LVSD"
	wait "$LVSD" 2>/dev/null
	lab_check console.lvsd-gone wait_screen 15 '^health: lvsd not reachable \(connection refused\)'
	lab_check console.lvsd-gone-dash wait_health 192.0.2.11:80 - 10
	dump lvsd-gone
	tmux kill-session -t "$S" 2>/dev/null
	rm -f /etc/lvsd/lvsd.conf
else
	lab_fail console.lvsd-present "build/lvsd is not in the image (run make first)"
fi
