# The demo as a new user meets it, without a terminal: demo.sh sets up the
# cluster, lvsd and the console in tmux exactly as `make demo` does; a
# second tmux server plays the user's terminal (a client attached to the
# demo's session, the status line included) and presses the keys a new
# user presses: F1, Enter on a real server, W then k, R, the lvsd window
# (health of the real server whose httpd stops and starts), q.
# lab-timeout: 900
LAB_DEMO_TEST=1
. /lab/scenarios/demo.sh

lab_have_lvstop demo_keys.lvstop || exit 0
export TERM=xterm
U="tmux -L user"
screen() { $U capture-pane -p -t user; }
k() { $U send-keys -t user "$@"; sleep 0.3; }
wait_screen() { # SECONDS ERE
	_i=0
	while [ "$_i" -lt $(($1 * 5)) ]; do
		screen | grep -qE -- "$2" && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}
dump() { echo "--- screen ($1) at $(cut -d' ' -f1 /proc/uptime) s:"; screen | sed 's/^/| /'; }
# expect NAME SECONDS ERE: ok when the screen shows ERE in time.
expect() {
	if wait_screen "$2" "$3"; then lab_ok "$1"; else dump "$1"; lab_fail "$1" "not on screen: $3"; fi
}

$U new-session -d -s user -x 120 -y 40 "env -u TMUX tmux attach -t $DEMO_SESSION" ||
	{ lab_fail demo_keys.terminal "tmux new-session failed"; exit 0; }

# lvsd runs and serves the table.
up=0
for _ in $(seq 1 30); do
	wget -O - "$DEMO_LVSD/metrics" 2>/dev/null | grep -q '^ipvs_up 1$' && { up=1; break; }
	sleep 0.5
done
lab_eq demo_keys.lvsd-up 1 "$up"

# The first screen: the table, and how to quit on the status line.
expect demo_keys.first-screen-table 30 "$LAB_DR_VIP:80"
expect demo_keys.first-screen-quit 5 'q: quit .*F1: help'
dump first

# F1: the help; Escape back to the table.
k F1
expect demo_keys.f1-help 5 'F3 /'
k Escape
expect demo_keys.help-closed 5 'F1Help'

# Down to a real server, Enter: its detail.
rs="" svc=""
for _ in 1 2 3; do
	k Down
	k Enter
	if wait_screen 5 '^Real server [^ ]+ of [a-z0-9]+ '; then
		line=$(screen | grep -E '^Real server [^ ]+ of ' | head -n 1)
		rs=$(echo "$line" | awk '{ print $3 }')
		svc=$(echo "$line" | awk '{ print $5, $6 }')
		break
	fi
	k Escape
done
if [ -n "$rs" ]; then lab_ok demo_keys.enter-real-server-detail; else
	dump detail
	lab_fail demo_keys.enter-real-server-detail "no real server detail after Down, Enter"
fi
dump detail
# weight: the real server's weight in its service, from ipvsadm -Sn.
case ${svc%% *} in tcp) flag=-t ;; udp) flag=-u ;; sctp) flag=--sctp-service ;; *) flag=-f ;; esac
weight() {
	ipvsadm -Sn | awk -v f="$flag" -v s="${svc#* }" -v r="$rs" '
		$1 == "-a" && $2 == f && $3 == s && $5 == r { for (i = 6; i < NF; i++) if ($i == "-w") print $(i + 1) }'
}
w0=$(weight)
lab_check demo_keys.weight-known test -n "$w0"

# W then k: drained, kept at weight 0.
k W
expect demo_keys.w-asks 5 "Drain $rs in .*r remove"
k k
expect demo_keys.k-drain-panel 5 "Drain $rs in .*|weight stays 0"
lab_eq demo_keys.drain-weight-0 0 "$(weight)"
dump drain
k Escape
sleep 0.5

# R: the remembered weight is back.
k R
i=0
while [ "$(weight)" != "$w0" ] && [ $i -lt 25 ]; do sleep 0.2; i=$((i + 1)); done
lab_eq demo_keys.r-restores "$w0" "$(weight)"
expect demo_keys.r-shown 10 "restored .*$rs to weight $w0|^ +Weight +$w0 *\$"
dump restore
lab_check demo_keys.audited sh -c "grep -q '\"action\":\"drain\"' /var/log/lvstop/audit.log &&
	grep -q '\"action\":\"restore\"' /var/log/lvstop/audit.log"
k Escape

# The lvsd window: Enter on nat2 in the NAT web service; its check goes
# down when its httpd stops, and up again (8 s each under test).
k C-b n
expect demo_keys.lvsd-window 10 '\[1 lvsd\]'
rs2=$(echo $LAB_NAT_RS | awk '{ print $2 }')
want="Real server $rs2:80 of tcp $LAB_NAT_VIP:80"
# Its row, counted from the first row under the column titles (where one
# Down from the director's line lands); then one row at a time if the
# table moved meanwhile.
n=$(screen | awk -v svc="$LAB_NAT_VIP:80" -v rs="$rs2:80" '
	/PROTO VIRTUAL/ { t = 1; next }
	t { i++; if (index($0, " " svc " ")) in_s = 1; else if ($0 !~ /[├└]/) in_s = 0
	    if (in_s && index($0, " " rs " ")) { print i; exit } }')
found=0
for _ in $(seq 1 "${n:-1}"); do $U send-keys -t user Down; done
k Enter
if wait_screen 5 "^$want"; then found=1; else
	k Escape
	for _ in 1 2 3 4 5 6; do
		k Down
		k Enter
		if wait_screen 3 "^$want"; then found=1; break; fi
		k Escape
	done
fi
if [ "$found" = 1 ]; then lab_ok demo_keys.lvsd-detail; else
	dump lvsd
	lab_fail demo_keys.lvsd-detail "no detail of $rs2:80 in the lvsd window"
fi
expect demo_keys.health-down 30 'Health +down since'
dump health-down
expect demo_keys.health-up-again 30 'Health +up since'
k Escape
k C-b p
expect demo_keys.back-to-console 10 '\[0 console\]'

# q: the console quits and takes tmux with it.
k q
i=0
while tmux has-session -t "$DEMO_SESSION" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
lab_check demo_keys.q-quits sh -c "! tmux has-session -t $DEMO_SESSION 2>/dev/null"
$U kill-server 2>/dev/null
true
