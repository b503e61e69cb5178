# lvstop --remote against the real kernel: two lvsd instances in the VM
# (127.0.0.1:9587 with rrd history, 127.0.0.1:9588 without) read the same
# IPVS table; lvstop --remote watches both inside tmux. Checked: both
# sections answer and list every service ipvsadm lists, their tables are
# found identical (same kernel), the zoom draws the rrd history of a
# service from the first lvsd, then the second lvsd is stopped by its PID:
# its section is marked with the cause and keeps its table, the first
# keeps polling.
. /lab/lib.sh

lab_have_lvstop || exit 0
command -v lvsd >/dev/null 2>&1 || { lab_fail remote.lvsd "build/lvsd is not in the image"; exit 0; }
command -v tmux >/dev/null 2>&1 || { lab_fail remote.tmux "tmux is not in the image"; exit 0; }
lab_check topology.nat lab_nat || exit 0

export TERM=xterm LC_ALL=C.UTF-8
S=lvremote
screen() { tmux capture-pane -p -t "$S"; }
wait_screen() { # SECONDS EXTENDED-REGEX
	_i=0
	while [ "$_i" -lt "$1" ]; do
		screen | grep -qE "$2" && return 0
		sleep 1
		_i=$((_i + 1))
	done
	return 1
}
dump() { echo "--- screen ($1):"; screen | sed 's/^/| /'; }
# One director's section: its header line to the next director's.
section() { screen | awk -v h="127.0.0.1:$1 " '/^(▸|>) 127\.0\.0\.1:/ { on = index($0, "▸ " h) == 1 || index($0, "> " h) == 1 } on'; }

mkdir -p /tmp/rrd
cat > /tmp/lvsd-a.conf <<EOC
daemon = { interval = 1.0; };
exporter = { listen = "127.0.0.1:9587"; };
history = { directory = "/tmp/rrd"; };
EOC
cat > /tmp/lvsd-b.conf <<EOC
daemon = { interval = 1.0; };
exporter = { listen = "127.0.0.1:9588"; };
EOC
lvsd --config /tmp/lvsd-a.conf 2>/tmp/lvsd-a.log &
LVSD_A=$!
lvsd --config /tmp/lvsd-b.conf 2>/tmp/lvsd-b.log &
LVSD_B=$!
up() { wget -O - "http://127.0.0.1:$1/metrics" 2>/dev/null | grep -q '^ipvs_up 1$'; }
i=0
while [ $i -lt 30 ] && ! { up 9587 && up 9588; }; do sleep 0.5; i=$((i + 1)); done
lab_check remote.lvsd-a-up up 9587
lab_check remote.lvsd-b-up up 9588

lab_check traffic.nat lab_traffic "$LAB_NAT_VIP" 80 10

tmux new-session -d -s "$S" -x 160 -y 50 \
	"sh -c 'lvstop --remote 127.0.0.1:9587 http://127.0.0.1:9588 -d 1; echo lvstop-rc=\$?; sleep 600'" ||
	{ lab_fail remote.tmux-start "tmux new-session failed"; exit 0; }
if ! wait_screen 30 'answering 2'; then
	lab_fail remote.both-answer "both directors not answering after 30 s"
	dump start
	tmux kill-session -t "$S"
	exit 0
fi
lab_ok remote.both-answer
sleep 3 # a few polls: rates and the diff settle
lab_check remote.read-only sh -c "tmux capture-pane -p -t $S | head -n 1 | grep -q '\[read-only\]'"
# Every service ipvsadm lists, in both sections.
for ep in $(ipvsadm -Ln | awk '$1 ~ /^(TCP|UDP|SCTP)$/ { print $2 }'); do
	for port in 9587 9588; do
		if section "$port" | grep -qF " $ep "; then
			lab_ok "remote.$port-lists-$ep"
		else
			lab_fail "remote.$port-lists-$ep" "not in the section of 127.0.0.1:$port"
		fi
	done
done
n_svcs=$(ipvsadm -Ln | awk '$1 ~ /^(TCP|UDP|SCTP|FWM)$/' | wc -l)
lab_eq remote.a-services "$n_svcs" "$(section 9587 | sed -n 's/.*  \([0-9]*\) services, .*/\1/p' | head -n 1)"
lab_eq remote.b-services "$n_svcs" "$(section 9588 | sed -n 's/.*  \([0-9]*\) services, .*/\1/p' | head -n 1)"
lab_eq remote.a-real-servers "$(ipvsadm -Ln | awk '$1 == "->" && $2 != "RemoteAddress:Port"' | wc -l)" \
	"$(section 9587 | sed -n 's/.* services, \([0-9]*\) real servers.*/\1/p' | head -n 1)"
lab_check remote.nat-vip-in-b sh -c "tmux capture-pane -p -t $S | awk '/127.0.0.1:9588  ok/ { on = 1 } on' | grep -qF ' $LAB_NAT_VIP:80 '"
# One kernel, two readers: no row differs.
lab_check remote.same-table sh -c "tmux capture-pane -p -t $S | grep -q '127.0.0.1:9587  ok .*same table as 127.0.0.1:9588'"
lab_check remote.no-marks sh -c "! tmux capture-pane -p -t $S | grep -q '≠'"

# Zoom: the first service of the first director, out to the last hour.
tmux send-keys -t "$S" j j Enter
sleep 1
tmux send-keys -t "$S" -
if wait_screen 30 'conn/s  \(last hour, rows of'; then
	lab_ok remote.zoom-chart
else
	lab_fail remote.zoom-chart "no history chart"
	dump zoom
fi
lab_check remote.zoom-from-a sh -c "tmux capture-pane -p -t $S | grep -q 'History: last hour, from lvsd at http://127.0.0.1:9587'"
tmux send-keys -t "$S" + Escape
sleep 1

# The second lvsd stopped: marked with the cause, the first goes on.
kill "$LVSD_B"
wait "$LVSD_B" 2>/dev/null
if wait_screen 15 '127\.0\.0\.1:9588  NOT ANSWERING'; then
	lab_ok remote.b-marked
else
	lab_fail remote.b-marked "no mark after 15 s"
	dump stopped
fi
lab_check remote.b-cause sh -c "tmux capture-pane -p -t $S | grep -q '127.0.0.1:9588/api/v1/snapshot: connection refused'"
lab_check remote.b-keeps-table sh -c "tmux capture-pane -p -t $S | awk '/127.0.0.1:9588  NOT/ { on = 1 } on' | grep -qF ' $LAB_NAT_VIP:80 '"
lab_check traffic.nat-again lab_traffic "$LAB_NAT_VIP" 80 10
sleep 3
age=$(section 9587 | sed -n 's/.*127\.0\.0\.1:9587  ok  polled \([0-9.]*\)s ago.*/\1/p' | head -n 1)
lab_check remote.a-fresh awk -v a="${age:-99}" 'BEGIN { exit !(a < 2.5) }'
lab_check remote.answering-1 sh -c "tmux capture-pane -p -t $S | grep -q 'answering 1'"

tmux send-keys -t "$S" q
if wait_screen 10 'lvstop-rc=0'; then lab_ok remote.quit-rc0; else lab_fail remote.quit-rc0 "no rc 0"; dump quit; fi
tmux kill-session -t "$S"
kill "$LVSD_A"
wait "$LVSD_A" 2>/dev/null
