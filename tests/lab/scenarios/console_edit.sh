# Editing from the full-screen console against the real kernel, driven like
# a person would (tmux keys in, capture-pane out); ipvsadm is the oracle.
# Each change made with the console's keys and forms must leave the table
# exactly as the same change made with ipvsadm does (ipvsadm -Sn, the
# thresholds, the timeouts, the sync daemons), and different from before:
# add a service and a real server (forms), edit both (forms), weight ] and
# [, quiesce (the row marked), restore, delete (refused with n, done with
# y), flush (refused with a wrong word, done with the word), undo, zero,
# timeouts, the sync daemon, and a drain under a held connection that
# removes the real server once it ends.  Malformed form inputs each show
# their message and leave the table byte-identical.  --read-only refuses an
# edit key saying why, and help lists it as unavailable.  The audit log holds a console
# record of every kind of change made.
. /lab/lib.sh

lab_have_lvstop || exit 0
command -v tmux >/dev/null 2>&1 || { lab_fail console_edit.tmux "tmux is not in the image"; exit 0; }
lab_check topology.nat lab_nat || exit 0

export TERM=xterm LC_ALL=C.UTF-8
export LVSTOP_STATE_FILE=/tmp/lvstop-state.json LVSTOP_AUDIT_LOG=/tmp/lvstop-audit.log
rm -f "$LVSTOP_STATE_FILE" "$LVSTOP_AUDIT_LOG"
S=lvedit
screen() { tmux capture-pane -p -t "$S"; }
# Keys in one tmux call where possible (a tmux client costs ~0.4 s under
# TCG); Escape always alone and 50 ms before the next key, more than the
# console's 25 ms Esc delay, so it is never read as Alt with the key after.
k() { tmux send-keys -t "$S" "$@"; sleep 0.05; }
lit() { tmux send-keys -t "$S" -l -- "$1"; sleep 0.05; }
wait_screen() { # SECONDS ERE
	_i=0
	while [ "$_i" -lt $(($1 * 5)) ]; do
		screen | grep -qE -- "$2" && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}
dump() { echo "--- screen ($1):"; screen | sed 's/^/| /'; }

# The table: the NAT services (with thresholds on one real server), a DR
# style service of two route real servers, a UDP sh service, timeouts.
build() {
	ipvsadm -C
	ipvsadm -A -t 203.0.113.10:80 -s rr &&
	ipvsadm -a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 1 &&
	ipvsadm -a -t 203.0.113.10:80 -r 192.0.2.12:80 -m -w 3 -x 50 -y 5 &&
	ipvsadm -A -t 203.0.113.20:80 -s wrr &&
	ipvsadm -a -t 203.0.113.20:80 -r 192.0.2.75 -g -w 3 &&
	ipvsadm -a -t 203.0.113.20:80 -r 192.0.2.76 -g -w 1 &&
	ipvsadm -A -u 203.0.113.10:53 -s sh -b sh-fallback &&
	ipvsadm -a -u 203.0.113.10:53 -r 192.0.2.11:53 -m &&
	ipvsadm --set 900 120 300
}
build || lab_fail setup.build "ipvsadm could not build the table"
ipvsadm -Sn > /tmp/setup.rules
setup() {
	ipvsadm --stop-daemon master >/dev/null 2>&1
	ipvsadm -C && ipvsadm -R < /tmp/setup.rules &&
	ipvsadm -e -t 203.0.113.10:80 -r 192.0.2.12:80 -m -w 3 -x 50 -y 5 &&
	ipvsadm --set 900 120 300
}
view() {
	ipvsadm -Sn
	ipvsadm -Ln --thresholds
	ipvsadm -L --timeout
	ipvsadm -L --daemon
}
# Until the table is $1 again (up to 8 s).
wait_equal() {
	_i=0
	while [ "$_i" -lt 40 ]; do
		[ "$(view)" = "$1" ] && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}
# Until the table differs from $1 (up to 8 s).
wait_change() {
	_i=0
	while [ "$_i" -lt 40 ]; do
		[ "$(view)" != "$1" ] && { sleep 0.3; return 0; }
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}

tmux new-session -d -s "$S" -x 160 -y 40 \
	"sh -c 'lvstop -d 0.5; echo lvstop-rc=\$?; sleep 600'" ||
	{ lab_fail console_edit.tmux-start "tmux new-session failed"; exit 0; }
wait_screen 20 '203\.0\.113\.20:80' || dump start

MODE=tree
# sel_svc EP / sel_rs EP: put the cursor on that service (tree) or real
# server (flat) through the filter.
mode() { [ "$MODE" = "$1" ] || { k t; MODE=$1; }; }
filter() { k / C-u; lit "$1"; k Enter g; wait_screen 5 "$1" || dump "filter $1"; }
sel_svc() { mode tree; filter "$1"; }
sel_rs() { mode flat; filter "$1"; }
# Wait for the console to show a table just reset by setup (a poll every
# 0.5 s): edit forms are filled from what is on screen.
fresh() { sleep 0.8; }

# same NAME KEYS-FUNCTION "IPVSADM COMMANDS": the change the console makes
# equals the one ipvsadm makes, and changes something.
OK=0
same() {
	_name=$1 _keys=$2 _theirs=$3
	setup || { lab_fail "$_name" "setup failed"; return 1; }
	fresh
	_before=$(view)
	$_keys
	wait_change "$_before" || { dump "$_name"; lab_fail "$_name" "the table did not change"; return 1; }
	_after=$(view)
	setup
	eval "$_theirs" >/dev/null 2>&1
	_oracle=$(view)
	if [ "$_after" = "$_oracle" ]; then
		lab_ok "$_name"
		OK=$((OK + 1))
	else
		lab_fail "$_name" "console: $(echo "$_after" | diff - /dev/null | head -0)$(printf '%s' "$_after" | head -c 600) / ipvsadm: $(printf '%s' "$_oracle" | head -c 600)"
	fi
}

# --- forms ------------------------------------------------------------------
add_svc() { k a Tab; lit 203.0.113.40:80; k Tab Tab Left Left Left Enter; }
same console_edit.add-service add_svc "ipvsadm -A -t 203.0.113.40:80 -s rr"
add_svc_p() { k a Right Tab; lit 203.0.113.41:53; k Tab Tab Tab; lit 600; k Tab; lit 255.255.255.0; k Tab Right Enter; }
same console_edit.add-service-persistent add_svc_p "ipvsadm -A -u 203.0.113.41:53 -s wlc -p 600 -M 255.255.255.0 -o"
add_rs() { sel_svc 203.0.113.20:80; k A; lit 192.0.2.77; k Tab Tab; lit 5; k Tab; lit 40; k Tab; lit 10; k Enter; }
same console_edit.add-server add_rs "ipvsadm -a -t 203.0.113.20:80 -r 192.0.2.77:80 -g -w 5 -x 40 -y 10"
edit_svc() { sel_svc 203.0.113.20:80; k E Tab Tab Tab Right Enter; }
same console_edit.edit-service edit_svc "ipvsadm -E -t 203.0.113.20:80 -s lc"
edit_rs() { sel_rs 192.0.2.12:80; k E Tab Tab; lit 7; k Enter; }
same console_edit.edit-server edit_rs "ipvsadm -e -t 203.0.113.10:80 -r 192.0.2.12:80 -m -w 7 -x 50 -y 5"

# --- one key on a real server -------------------------------------------------
w_up() { sel_rs 192.0.2.75:80; k ]; }
same console_edit.weight-up w_up "ipvsadm -e -t 203.0.113.20:80 -r 192.0.2.75:80 -g -w 4"
w_down() { sel_rs 192.0.2.75:80; k [; }
same console_edit.weight-down w_down "ipvsadm -e -t 203.0.113.20:80 -r 192.0.2.75:80 -g -w 2"
quiesce() { sel_rs 192.0.2.75:80; k Q; }
same console_edit.quiesce quiesce "ipvsadm -e -t 203.0.113.20:80 -r 192.0.2.75:80 -g -w 0"
lab_check console_edit.quiesced-marked wait_screen 5 '192\.0\.2\.75:80.*\[quiesced\]'
# Restore: back to the remembered weight (the table as set up).
before=$(view)
k R
wait_change "$before"
setup
lab_eq console_edit.restore "$(view)" "$(ipvsadm -e -t 203.0.113.20:80 -r 192.0.2.75:80 -g -w 3 >/dev/null; view)"
lab_check console_edit.restore-unmarked sh -c "! tmux capture-pane -p -t $S | grep -q quiesced"
OK=$((OK + 1))

# Delete: n leaves the table, y deletes.
setup; fresh
sel_rs 192.0.2.76:80
before=$(view)
k X
lab_check console_edit.delete-asks wait_screen 3 'Delete real server 192\.0\.2\.76:80'
k n
sleep 1
lab_eq console_edit.delete-refused "$before" "$(view)"
del_rs() { sel_rs 192.0.2.76:80; k X y; }
same console_edit.delete-server del_rs "ipvsadm -d -t 203.0.113.20:80 -r 192.0.2.76:80"
del_svc() { sel_svc 203.0.113.20:80; k X y; }
same console_edit.delete-service del_svc "ipvsadm -D -t 203.0.113.20:80"

# Flush: a wrong word does nothing; the word flushes; u brings it all back.
setup; fresh
before=$(view)
k F; lit flus; k Enter
sleep 1
lab_eq console_edit.flush-wrong-word "$before" "$(view)"
lab_check console_edit.flush-wrong-word-said wait_screen 3 "'flus' is not 'flush'"
k F; lit flush; k Enter
wait_change "$before"
lab_eq console_edit.flush "$(ipvsadm -Sn)" ""
OK=$((OK + 1))
k u
wait_equal "$before"
lab_eq console_edit.undo-flush "$before" "$(view)"
lab_check console_edit.undo-said wait_screen 5 'undo'
OK=$((OK + 1))

timeouts() { k T; lit 600; k Tab; lit 60; k Tab; lit 30; k Enter; }
same console_edit.timeouts timeouts "ipvsadm --set 600 60 30"
daemon() { k Y Tab Tab; lit lo; k Tab; lit 9; k Enter; }
same console_edit.sync-start daemon "ipvsadm --start-daemon master --mcast-interface lo --syncid 9"
ipvsadm --start-daemon master --mcast-interface lo --syncid 9
sleep 1.5
before=$(view)
k Y Enter
wait_change "$before"
lab_eq console_edit.sync-stop "" "$(ipvsadm -L --daemon)"
OK=$((OK + 1))

# Zero: nothing in -Sn changes, the counters go to 0, and it is asked first.
setup; fresh
lab_traffic 203.0.113.10 80 3
lab_wait_stats 2
before=$(ipvsadm -Sn)
sel_svc 203.0.113.10:80
k z
lab_check console_edit.zero-asks wait_screen 3 'Zero the counters of TCP 203\.0\.113\.10:80'
k y
sleep 2
lab_eq console_edit.zero-table "$before" "$(ipvsadm -Sn)"
lab_eq console_edit.zero-counters "0" "$(ipvsadm -Ln --stats -t 203.0.113.10:80 | awk '$1 == "TCP" { print $3 }')"
OK=$((OK + 1))

# The marks in the other views: the detail view names the remembered
# weight; the connections view (entries from the traffic above) marks the
# real server's row.
sel_rs 192.0.2.12:80
before=$(view)
k Q
wait_change "$before"
OK=$((OK + 1))
k Enter
lab_check console_edit.detail-marked wait_screen 3 'Weight +0 \[quiesced: weight 3 remembered\]'
k Escape
k c
lab_check console_edit.conns-marked wait_screen 3 '192\.0\.2\.12:80 \[quiesced\]'
k 1
before=$(view)
k R
wait_change "$before"
lab_check console_edit.restored-weight sh -c "ipvsadm -Sn | grep -q -- '-r 192.0.2.12:80 -m -w 3'"
OK=$((OK + 1))

# --- malformed form inputs: the message on screen, the table identical -------
setup; fresh
bad() { # NAME ERE KEYS...: open a form, type, Enter; the message shows; Esc.
	_name=$1 _re=$2
	shift 2
	_before=$(view)
	"$@"
	k Enter
	if wait_screen 3 "$_re"; then
		lab_ok "console_edit.bad-$_name"
	else
		dump "bad $_name"
		lab_fail "console_edit.bad-$_name" "no '$_re' on screen"
	fi
	k Escape
	sleep 0.3
	lab_eq "console_edit.bad-$_name-table" "$_before" "$(view)"
}
svc_addr() { k a Tab; lit "$1"; }
bad address "is not a numeric IPv4" svc_addr 203.0.113.300:80
bad port "port must be a number 0\.\.65535" svc_addr 203.0.113.40:70000
bad ipv6-brackets "brackets" svc_addr 2001:db8::1:80
bad mark "firewall mark" eval 'k a Left Tab; lit 0'
bad persistence "is not a number of seconds" eval 'svc_addr 203.0.113.40:80; k Tab Tab Tab; lit ten'
bad netmask "not a contiguous netmask" eval 'svc_addr 203.0.113.40:80; k Tab Tab Tab; lit 60; k Tab; lit 255.0.255.0'
bad sched-flags "belong to the sh scheduler" eval 'svc_addr 203.0.113.40:80; k Tab Tab Tab Tab Tab Tab; lit sh-port'
rs_form() { sel_svc 203.0.113.20:80; k A; lit "$1"; }
bad rs-address "is not a numeric IPv4" rs_form 192.0.2.300
bad weight "weight: " eval 'rs_form 192.0.2.78; k Tab Tab; lit -1'
bad thresholds "is above the upper one" eval 'rs_form 192.0.2.78; k Tab Tab Tab; lit 10; k Tab; lit 20'
bad gue-port "GUE needs a port" eval 'rs_form 192.0.2.78; k Tab Right Right Tab Tab Tab Tab Right'
bad route-port "keep the service's port" eval 'rs_form 192.0.2.78:8080'
bad timeout "tcp timeout: " eval 'k T; lit abc'
bad sync-interface "multicast interface" eval 'k Y'
# Refused by the table, not the form: the result line says so.
bad exists "exists already" rs_form 192.0.2.75:80

# --- drain under a held connection, removal once it ends -----------------------
# One client connection to each NAT real server (rr) for 8 s (the keys
# that start the drain take seconds on a loaded host, and the weight 0 is
# checked while a connection still holds); the drain
# ignores inactive entries (TIME_WAIT stays 2 minutes) and removes the
# real server once its active connection is gone.
setup; fresh
lab_hold 203.0.113.10 80 8
lab_hold 203.0.113.10 80 8
sleep 1
sel_rs 192.0.2.11:80
k W
lab_check console_edit.drain-asks wait_screen 3 'Drain 192\.0\.2\.11:80 in TCP 203\.0\.113\.10:80: r remove'
k i
k r
if wait_screen 5 'active [1-9] .*total'; then
	lab_ok console_edit.drain-panel
	lab_check console_edit.drain-weight0 sh -c "ipvsadm -Sn | grep -q -- '-r 192.0.2.11:80 -m -w 0'"
	sleep 1
	dump drain-panel
else
	dump drain-panel
	lab_fail console_edit.drain-panel "no count on the drain panel"
fi
if wait_screen 15 'real server removed'; then
	lab_ok console_edit.drain-removed-panel
else
	dump drain-end
	lab_fail console_edit.drain-removed-panel "the panel did not say removed"
fi
lab_check console_edit.drain-removed sh -c "! ipvsadm -Sn | grep -q 192.0.2.11:80"
lab_check console_edit.drain-other-kept sh -c "ipvsadm -Sn | grep -q -- '-r 192.0.2.12:80 -m -w 3'"
k Escape
OK=$((OK + 1))

# A form, for the docs.
setup; fresh
sel_svc 203.0.113.10:80
k A; lit 192.0.2.13; k Tab Right Tab; lit 2x; k Tab
dump form
k Escape

# --- the audit log: a console record of every kind of change made -------------
for a in add-service add-server edit-service edit-server weight quiesce restore del-server \
	del-service flush undo timeouts start-daemon stop-daemon zero drain; do
	lab_check "console_edit.audit-$a" grep -q "\"source\":\"console\",\"action\":\"$a\"" "$LVSTOP_AUDIT_LOG"
done
lab_check console_edit.audit-all-console sh -c "[ \$(grep -c '\"source\":\"console\"' $LVSTOP_AUDIT_LOG) -ge $OK ]"

k q
wait_screen 10 'lvstop-rc=' && lab_eq console_edit.quit-exit "lvstop-rc=0" "$(screen | grep -o 'lvstop-rc=[0-9]*' | tail -n 1)"
tmux kill-session -t "$S" 2>/dev/null

# --- read-only: the key refused with the reason, help shows it unavailable, the table unchanged
setup
S=lvedit_ro
tmux new-session -d -s "$S" -x 160 -y 40 "sh -c 'lvstop -d 1 --read-only; sleep 600'" ||
	{ lab_fail console_edit.ro-start "tmux new-session failed"; exit 0; }
wait_screen 20 '203\.0\.113\.20:80' || dump ro-start
MODE=tree
before=$(view)
sel_rs 192.0.2.75:80
k Q
lab_check console_edit.read-only-refused wait_screen 3 'editing is off: --read-only'
sleep 1
lab_eq console_edit.read-only-table "$before" "$(view)"
k F1
lab_check console_edit.read-only-help-unavailable sh -c "tmux capture-pane -p -t $S | grep -q 'Edit keys: unavailable (--read-only):' && tmux capture-pane -p -t $S | grep -q 'quiesce the real server'"
k q
tmux kill-session -t "$S" 2>/dev/null
