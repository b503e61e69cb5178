# The demo cluster: NAT, DR and TUN with several schedulers, a steady
# trickle of client traffic, lvsd checking the real servers (nat2's httpd
# stops and starts again on a cycle, so its check goes down and comes back),
# and the console on the serial line sized like the host's terminal.
#
# The console runs in tmux (session "demo"), two windows:
#   0 console  lvstop on the local kernel: every key, edits included;
#   1 lvsd     lvstop --remote on the local lvsd: its health checks
#              (read-only; the local console has no health checks itself).
# The status line says how to quit and how to switch. q in the console
# quits tmux, and the VM powers off.
#
# Not a test: run.sh skips it. With LAB_DEMO_TEST=1 it sets everything up,
# leaves tmux detached and returns; demo_keys.sh drives it.
. /lab/lib.sh

DEMO_SESSION=demo
DEMO_LVSD=http://127.0.0.1:9587

dmesg -n 1
lab_all || echo "demo: topology setup failed" >&2
set -- $LAB_NAT_RS
# More services, other schedulers.
ipvsadm -A -u "$LAB_NAT_VIP:53" -s sh -b sh-fallback,sh-port
ipvsadm -a -u "$LAB_NAT_VIP:53" -r "$1:53" -m -w 2
ipvsadm -a -u "$LAB_NAT_VIP:53" -r "$2:53" -m -w 1
lab_vip 203.0.113.11
ipvsadm -A -t 203.0.113.11:80 -s lc -p 60 -M 255.255.255.0
ipvsadm -a -t 203.0.113.11:80 -r "$1:80" -m -w 1
ipvsadm -a -t 203.0.113.11:80 -r "$2:80" -m -w 1
lab_vip 203.0.113.50
lab_mark 203.0.113.50 1
ipvsadm -A -f 1 -s mh -b mh-fallback,mh-port
ipvsadm -a -f 1 -r "$1:80" -m -w 1
ipvsadm -a -f 1 -r "$2:80" -m -w 1

# lvsd: HTTP checks on the NAT web service, TCP connects on the other TCP
# and firewall-mark services (none on UDP), a short history.
mkdir -p /etc/lvsd
cat > /etc/lvsd/lvsd.conf <<EOC
daemon = { interval = 2.0; };
exporter = { listen = "127.0.0.1:9587"; };
history = { directory = "/var/lib/lvstop/rrd"; archives = [ "10s:1h", "1min:1d" ]; };
health = {
  default = { type = "tcp"; interval = 2.0; timeout = 1.0; rise = 1; fall = 2; warmup = 0.5; };
};
services = (
  { service = "tcp:$LAB_NAT_VIP:80";
    check = { type = "http"; path = "/"; expect_status = 200;
              interval = 1.0; timeout = 1.0; rise = 1; fall = 2; }; }
);
EOC
lvsd --config /etc/lvsd/lvsd.conf 2>/var/log/lvsd.log &

# A trickle of traffic to every VIP, with a burst now and then.
(
	i=0
	while :; do
		i=$((i + 1))
		lab_traffic "$LAB_NAT_VIP" 80 1
		lab_traffic "$LAB_DR_VIP" 80 $((i % 3 + 1))
		lab_traffic "$LAB_TUN_VIP" 80 1
		lab_traffic "$LAB_NAT_VIP6" 80 1
		[ $((i % 4)) -eq 0 ] && lab_traffic 203.0.113.11 80 2
		[ $((i % 5)) -eq 0 ] && lab_traffic 203.0.113.50 80 3
		[ $((i % 7)) -eq 0 ] && lab_dns "$LAB_NAT_VIP"
		[ $((i % 10)) -eq 0 ] && lab_traffic "$LAB_DR_VIP" 80 10
		sleep 1
	done
) >/dev/null 2>&1 &

# nat2's web server fails for 15 s every 45 s (8 s every 16 s under
# test): its HTTP check goes down, then up again.
if [ "${LAB_DEMO_TEST:-0}" = 1 ]; then
	DEMO_UP=8 DEMO_DOWN=8
else
	DEMO_UP=30 DEMO_DOWN=15
fi
(
	while :; do
		sleep "$DEMO_UP"
		kill $($IP netns pids nat2) 2>/dev/null
		sleep "$DEMO_DOWN"
		lab_in nat2 httpd -p 80 -h /srv/nat2
	done
) >/dev/null 2>&1 &

# The console in tmux; its status line tells how to quit.
if [ "${LAB_DEMO_TEST:-0}" = 1 ]; then
	rows=40 cols=120
else
	rows=$LAB_ROWS cols=$LAB_COLS
fi
tmux new-session -d -s "$DEMO_SESSION" -x "$cols" -y $((rows - 1)) -n console \
	"sh -c 'lvstop --lvsd $DEMO_LVSD; tmux kill-server'"
tmux new-window -d -t "$DEMO_SESSION:1" -n lvsd "lvstop --remote $DEMO_LVSD"
tmux set -g escape-time 10
tmux set -g status-style reverse
tmux set -g status-left ''
tmux set -g window-status-format ' #I #W '
tmux set -g window-status-current-format '[#I #W]'
tmux set -g status-right-length 100
tmux set -g status-right ' q: quit   F1: help   Ctrl-b n: next window (lvsd: health checks, read-only) '

[ "${LAB_DEMO_TEST:-0}" = 1 ] && return 0

tty=/dev/ttyS0
stty -F "$tty" rows "$LAB_ROWS" cols "$LAB_COLS" 2>/dev/null
export TERM="$LAB_TERM"
# Its own session with the serial line as controlling terminal, so that
# keys and signals reach it; it returns when lvstop quits.
setsid -c tmux attach -t "$DEMO_SESSION" <"$tty" >"$tty" 2>&1
clear >"$tty" 2>/dev/null
exit 0
