# The demo cluster: NAT, DR and TUN with several schedulers, a steady
# trickle of client traffic, and lvstop on the serial console sized like the
# host's terminal.  Not a test: run.sh skips scenarios named demo*.
. /lab/lib.sh

# The full-screen console replaces the --once loop by setting this to 1:
# lvstop then runs until the user quits it, and the VM powers off.
LAB_DEMO_FULLSCREEN=1

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

tty=/dev/ttyS0
stty -F "$tty" rows "$LAB_ROWS" cols "$LAB_COLS" 2>/dev/null
export TERM="$LAB_TERM"

if [ "$LAB_DEMO_FULLSCREEN" = 1 ]; then
	# Its own session with the serial line as controlling terminal, so
	# that keys and signals reach it.
	setsid -c lvstop <"$tty" >"$tty" 2>&1
	exit 0
fi

# Until then: a frame every 2 s; q (or Ctrl-A x on the host) quits.
while :; do
	clear
	if command -v lvstop >/dev/null 2>&1; then
		lvstop --once 2>&1
	else
		echo "build/lvstop is not built: showing ipvsadm instead"
		ipvsadm -Ln --stats 2>&1
	fi
	printf '\n[q: quit]'
	k=
	read -r -s -n 1 -t 2 k < "$tty"
	[ "$k" = q ] && break
done
clear
