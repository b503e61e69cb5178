# A master/backup pair: two directors (network namespaces dirA and dirB, each
# with its own IPVS table) run Debian 12's keepalived with VRRP on one
# segment, a floating VIP, DR services with TCP_CHECK and the IPVS sync
# daemon started by keepalived (lvs_sync_daemon). lvstop in each director
# must name its role from the addresses it holds, the sync daemon the kernel
# runs, and the synced entries; after the MASTER's keepalived stops, the
# BACKUP takes the VIP and an established connection carries on through it.
#
#   br-lan (root namespace, a switch only)
#     client 198.51.100.2   dirA 198.51.100.3 (MASTER, priority 150)
#     dirB 198.51.100.4 (BACKUP, priority 100)
#     rs1 198.51.100.11, rs2 198.51.100.12 (VIP on lo, arp_ignore/announce)
#   VIP 198.51.100.100: TCP :80 wrr (httpd), TCP :7 rr (an echo server)
# lab-timeout: 600
. /lab/lib.sh

lab_have_lvstop || exit 0
if [ ! -x /usr/sbin/keepalived ]; then
	lab_fail pair.binary "keepalived is not in the initramfs (apt-get install keepalived)"
	exit 0
fi

VIP=198.51.100.100
lab_bridge br-lan 198.51.100.1/24 || exit 0
# The root namespace only switches: it must not answer for anyone.
sysctl -qw net.ipv4.ip_forward=0

plug() { # NS ADDR: a host on br-lan
	lab_ns "$1"
	$IP link add "$1" type veth peer name eth0 netns "$1"
	$IP link set "$1" master br-lan up
	$IP -n "$1" link set eth0 up
	$IP -n "$1" addr add "$2/24" dev eth0
}
plug client 198.51.100.2
plug dirA 198.51.100.3
plug dirB 198.51.100.4
for n in 1 2; do
	ns=rs$n
	plug "$ns" "198.51.100.1$n"
	lab_in "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1
	lab_in "$ns" sysctl -qw net.ipv4.conf.all.arp_announce=2
	lab_in "$ns" sysctl -qw net.ipv4.conf.eth0.arp_ignore=1
	lab_in "$ns" sysctl -qw net.ipv4.conf.eth0.arp_announce=2
	$IP -n "$ns" addr add "$VIP/32" dev lo
	mkdir -p "/srv/$ns"
	echo "$ns" > "/srv/$ns/index.html"
	lab_in "$ns" httpd -p 80 -h "/srv/$ns"
	lab_in "$ns" nc -ll -p 7 -e cat > /dev/null 2>&1 &
done

conf() { # NAME STATE PRIORITY
	cat <<EOF
global_defs {
    router_id $1
    lvs_sync_daemon eth0 VI_1 id 51
}
vrrp_instance VI_1 {
    state $2
    interface eth0
    virtual_router_id 51
    priority $3
    advert_int 1
    virtual_ipaddress {
        $VIP/24 dev eth0
    }
}
virtual_server $VIP 80 {
    delay_loop 2
    lb_algo wrr
    lb_kind DR
    protocol TCP
    real_server 198.51.100.11 80 {
        weight 3
        TCP_CHECK {
            connect_timeout 2
        }
    }
    real_server 198.51.100.12 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 2
        }
    }
}
virtual_server $VIP 7 {
    delay_loop 2
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 198.51.100.11 7 {
        TCP_CHECK {
            connect_timeout 2
        }
    }
}
EOF
}
mkdir -p /etc/keepalived
conf dirA MASTER 150 > /etc/keepalived/dirA.conf
conf dirB BACKUP 100 > /etc/keepalived/dirB.conf

start_ka() { # DIRECTOR
	rm -f "/run/ka-$1.pid"
	lab_in "$1" keepalived -n -l -D -f "/etc/keepalived/$1.conf" -p "/run/ka-$1.pid" \
		-r "/run/ka-$1-vrrp.pid" -c "/run/ka-$1-check.pid" > "/tmp/ka-$1.log" 2>&1 &
}
stop_ka() { # DIRECTOR: keepalived's own main process, by its pid file
	[ -s "/run/ka-$1.pid" ] && kill "$(cat "/run/ka-$1.pid")"
}
start_ka dirA
start_ka dirB

holds_vip() { $IP -n "$1" -4 addr show dev eth0 | grep -q " $VIP/"; }
lacks_vip() { ! holds_vip "$1"; }
table_up() { lab_in "$1" ipvsadm -Ln -t "$VIP:80" 2>/dev/null | grep -q -- "-> 198.51.100.12:80 "; }
role() { # DIRECTOR: the role lvstop names for VI_1
	lab_in "$1" lvstop diff --keepalived "/etc/keepalived/$1.conf" --json 2>/dev/null |
		jq -r '.vrrp[0].role'
}
kernel_sync() { # DIRECTOR: "state:iface:syncid" of the kernel's sync daemons
	lab_in "$1" lvstop diff --keepalived "/etc/keepalived/$1.conf" --json 2>/dev/null |
		jq -r '[.sync_daemon.kernel[] | "\(.state):\(.interface):\(.syncid)"] | join(",")'
}

lab_check pair.a-master lab_wait_for 30 holds_vip dirA
lab_check pair.b-backup lacks_vip dirB
lab_check pair.a-table lab_wait_for 20 table_up dirA
lab_check pair.b-table lab_wait_for 20 table_up dirB
lab_eq pair.role.a MASTER "$(role dirA)"
lab_eq pair.role.b BACKUP "$(role dirB)"
lab_eq pair.sync.a master:eth0:51 "$(kernel_sync dirA)"
lab_eq pair.sync.b backup:eth0:51 "$(kernel_sync dirB)"
# The oracle: ipvsadm's view of the sync daemons.
lab_check pair.sync.a-oracle sh -c "$IP netns exec dirA ipvsadm -L --daemon | grep -q 'master sync daemon (mcast=eth0, syncid=51'"
lab_check pair.sync.b-oracle sh -c "$IP netns exec dirB ipvsadm -L --daemon | grep -q 'backup sync daemon (mcast=eth0, syncid=51'"
for d in dirA dirB; do
	lab_in "$d" lvstop diff --keepalived "/etc/keepalived/$d.conf" > /dev/null 2>&1
	lab_eq "pair.diff.$d" 0 "$?"
done

lab_check pair.traffic lab_traffic "$VIP" 80 4

# lvsd in each director (its own loopback), told where its director's
# keepalived.conf is: the role it exports.
for dd in dirA dirB; do
	printf 'declared = { keepalived = "/etc/keepalived/%s.conf"; };\n' "$dd" > "/tmp/lvsd-$dd.conf"
	lab_in "$dd" lvsd --config "/tmp/lvsd-$dd.conf" --listen 127.0.0.1:9587 2> "/tmp/lvsd-$dd.log" &
done
master_gauge() { # DIRECTOR VALUE
	lab_in "$1" wget -O - http://127.0.0.1:9587/metrics 2>/dev/null |
		grep -q "^lvsd_vrrp_master{vrrp_instance=\"VI_1\"} $2\$"
}
lab_check pair.lvsd.a-master lab_wait_for 20 master_gauge dirA 1
lab_check pair.lvsd.b-backup lab_wait_for 20 master_gauge dirB 0

# An established connection through the MASTER: a line now, one after the
# failover; the echo server on rs1 answers both only if the BACKUP took the
# connection over from its synced entry.
(echo before; sleep 14; echo after; sleep 3) |
	lab_in client nc "$VIP" 7 > /tmp/echo.out 2>/dev/null &
echo_pid=$!
established() { # DIRECTOR: ESTABLISHED entries for VIP:7 (ipvsadm, the oracle)
	lab_in "$1" ipvsadm -Lnc | awk -v v="$VIP:7" '$3 == "ESTABLISHED" && $5 == v' | wc -l
}
has_synced() { [ "$(established dirB)" -ge 1 ]; }
lab_check pair.synced lab_wait_for 10 has_synced
lab_eq pair.synced.same "$(established dirA)" "$(established dirB)"
# lvstop's count of the backup's entries follows the kernel's.
nb=$(lab_in dirB lvstop diff --keepalived /etc/keepalived/dirB.conf --json | jq '.connections')
ob=$(lab_in dirB ipvsadm -Lnc | tail -n +3 | wc -l)
lab_eq pair.synced.lvstop "$ob" "$nb"

# Failover: the MASTER's keepalived stops.
lab_check pair.a-pidfile lab_wait_for 10 test -s /run/ka-dirA.pid
stop_ka dirA
lab_check pair.failover.b-master lab_wait_for 15 holds_vip dirB
lab_check pair.failover.a-released lacks_vip dirA
lab_eq pair.failover.role.b MASTER "$(role dirB)"
lab_eq pair.failover.role.a BACKUP "$(role dirA)"
lab_check pair.failover.lvsd.b-master lab_wait_for 20 master_gauge dirB 1
lab_check pair.failover.lvsd.a-backup lab_wait_for 20 master_gauge dirA 0
lab_check pair.failover.sync.b sh -c "$IP netns exec dirB ipvsadm -L --daemon | grep -q 'master sync daemon'"
lab_eq pair.failover.sync.b-lvstop master:eth0:51 "$(kernel_sync dirB | tr ',' '\n' | grep '^master' | head -n 1)"
lab_check pair.failover.traffic lab_traffic "$VIP" 80 2
wait "$echo_pid"
lab_eq pair.failover.connection-kept "before after" "$(tr '\n' ' ' < /tmp/echo.out | sed 's/ $//')"

# The MASTER comes back (higher priority, preemption): roles return.
lab_wait_for 10 sh -c '! [ -e /run/ka-dirA.pid ]'
start_ka dirA
lab_check pair.return.a-master lab_wait_for 30 holds_vip dirA
lab_check pair.return.b-backup lab_wait_for 10 lacks_vip dirB
lab_eq pair.return.role.a MASTER "$(role dirA)"
lab_eq pair.return.role.b BACKUP "$(role dirB)"

for p in $($IP netns pids dirA) $($IP netns pids dirB); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = lvsd ] && kill "$p"
done
stop_ka dirA
stop_ka dirB
lab_wait_for 10 sh -c '! [ -e /run/ka-dirA.pid ] && ! [ -e /run/ka-dirB.pid ]' 

# --- The pair in lvstop --remote: both directors' lvsd (on br-lan, so the root
# namespace reaches them) side by side at 80x24 and 120x40: MASTER and BACKUP
# on one line, the VIP held, the sync daemons, the table the same; then the
# BACKUP's lvsd stops and its column says it does not answer.
start_ka dirA
start_ka dirB
lab_check pair.remote.a-master lab_wait_for 30 holds_vip dirA
lab_check pair.remote.b-backup lab_wait_for 10 lacks_vip dirB
# dirA's lvsd starts on a declared file that does not exist (no VRRP roles
# in its snapshot), then a reload names keepalived's: the roles in
# /api/v1/snapshot follow the new file without a restart.
printf 'declared = { keepalived = "/etc/keepalived/absent.conf"; };\n' > /tmp/lvsd-r-dirA.conf
printf 'declared = { keepalived = "/etc/keepalived/dirB.conf"; };\n' > /tmp/lvsd-r-dirB.conf
lab_in dirA lvsd --config /tmp/lvsd-r-dirA.conf --listen 198.51.100.3:9588 2> /tmp/lvsd-r-dirA.log &
lab_in dirB lvsd --config /tmp/lvsd-r-dirB.conf --listen 198.51.100.4:9588 2> /tmp/lvsd-r-dirB.log &
A=198.51.100.3:9588
B=198.51.100.4:9588
answers() { wget -O - "http://$1/api/v1/snapshot" 2>/dev/null | grep -q '"vrrp"'; }
polled() { wget -O - "http://$1/api/v1/snapshot" 2>/dev/null | grep -q '"services"'; }
lab_check pair.remote.reload.a-polled lab_wait_for 20 polled "$A"
lab_check pair.remote.reload.no-roles-before sh -c "! wget -O - http://$A/api/v1/snapshot 2>/dev/null | grep -q '\"vrrp\"'"
printf 'declared = { keepalived = "/etc/keepalived/dirA.conf"; };\n' > /tmp/lvsd-r-dirA.conf
for p in $($IP netns pids dirA); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = lvsd ] && kill -HUP "$p"
done
lab_check pair.remote.a-lvsd lab_wait_for 20 answers "$A"
lab_check pair.remote.reload.a-master-role sh -c "wget -O - http://$A/api/v1/snapshot 2>/dev/null | grep -Eq '\"instance\": ?\"VI_1\", ?\"role\": ?\"MASTER\"'"
lab_check pair.remote.b-lvsd lab_wait_for 20 answers "$B"
if command -v tmux >/dev/null 2>&1; then
	export TERM=xterm LC_ALL=C.UTF-8
	pscreen() { tmux capture-pane -p -t "$1"; }
	pwait() { # SESSION SECONDS EXTENDED-REGEX
		_i=0
		while [ "$_i" -lt "$2" ]; do
			pscreen "$1" | grep -qE -- "$3" && return 0
			sleep 1
			_i=$((_i + 1))
		done
		return 1
	}
	# side SESSION LEFT RIGHT: both on one line, RIGHT in the right half.
	side() { pscreen "$1" | awk -v l="$2" -v r="$3" -v h="$4" '
		{ i = index($0, l); j = index($0, r) } i && j > i && j > h { f = 1 } END { exit !f }'; }
	for size in 80x24 120x40; do
		w=${size%x*}
		S=pair$w
		tmux new-session -d -s "$S" -x "$w" -y "${size#*x}" "lvstop --remote $A $B -d 1; sleep 600"
		lab_check "pair.remote.$w.summary" pwait "$S" 20 "Pair: MASTER $A, BACKUP $B"
		sleep 2
		echo "--- lvstop --remote ($size):"
		pscreen "$S" | sed 's/^/| /'
		h=$((w / 2 - 2))
		lab_check "pair.remote.$w.side-by-side" side "$S" "$A  ok" "$B  ok" "$h"
		lab_check "pair.remote.$w.roles" side "$S" "VI_1 MASTER  VIP 1/1 on eth0" "VI_1 BACKUP  VIP 0/1" "$h"
		lab_check "pair.remote.$w.sync" side "$S" "sync master on eth0, syncid 51" "sync backup on eth0, syncid 51" "$h"
		lab_check "pair.remote.$w.same-table" side "$S" "table: same as $B" "table: same as $A" "$h"
	done
	for p in $($IP netns pids dirB); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = lvsd ] && kill "$p"
	done
	lab_check pair.remote.b-down pwait pair80 20 "$B  NOT ANSWERING"
	echo "--- lvstop --remote (80x24, the BACKUP's lvsd stopped):"
	pscreen pair80 | sed 's/^/| /'
	lab_check pair.remote.b-down-summary pwait pair80 5 "Pair: MASTER $A; $B NOT ANSWERING: no backup"
	tmux kill-session -t pair80
	tmux kill-session -t pair120
else
	lab_fail pair.remote.tmux "tmux is not in the image"
fi
for p in $($IP netns pids dirA) $($IP netns pids dirB); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = lvsd ] && kill "$p"
done
stop_ka dirA
stop_ka dirB
lab_wait_for 10 sh -c '! [ -e /run/ka-dirA.pid ] && ! [ -e /run/ka-dirB.pid ]'
# --- end of the lvstop --remote pair block

# --- the sync-daemon alert on the real series -------------------------------
# LvsSyncDaemonMissing (share/prometheus/lvsd-alerts.yml) proven with what
# the two lvsd serve: the pair up again under traffic, both /metrics bodies
# scraped while the MASTER runs its master sync daemon, then again after
# `ipvsadm --stop-daemon master` on it (ipvsadm -L --daemon the oracle).
# The four bodies go to the host on the serial console, where
# tests/lab/host/keepalived_pair.sh makes them the input of a `promtool
# test rules` case: no alert before the stop, the alert for dirA after it.
lab_wait_for 10 sh -c '! [ -e /run/ka-dirA.pid ] && ! [ -e /run/ka-dirB.pid ]'
start_ka dirA
start_ka dirB
lab_check pair.alert.a-master lab_wait_for 30 holds_vip dirA
lab_check pair.alert.b-backup lab_wait_for 10 lacks_vip dirB
daemon_is() { # DIRECTOR master|backup: the kernel runs that sync daemon (ipvsadm)
	lab_in "$1" ipvsadm -L --daemon 2>/dev/null | grep -q "^$2 sync daemon"
}
lab_check pair.alert.a-sync-oracle lab_wait_for 20 daemon_is dirA master
lab_check pair.alert.a-table lab_wait_for 20 table_up dirA
no_lvsd() { # the lvsd of the blocks above have exited (their port is free)
	for p in $($IP netns pids dirA) $($IP netns pids dirB); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = lvsd ] && return 1
	done
	return 0
}
lab_wait_for 10 no_lvsd
for dd in dirA dirB; do
	lab_in "$dd" lvsd --config "/tmp/lvsd-$dd.conf" --listen 127.0.0.1:9587 2> "/tmp/lvsd-alert-$dd.log" &
done
lab_check pair.alert.lvsd.a-master lab_wait_for 20 master_gauge dirA 1
lab_check pair.alert.lvsd.b-backup lab_wait_for 20 master_gauge dirB 0
# Traffic through the MASTER all along (one request every half second).
(i=0; while [ $i -lt 60 ]; do lab_traffic "$VIP" 80 1; sleep 0.5; i=$((i + 1)); done) &
traffic_pid=$!
scrape() { # DIRECTOR: its lvsd's body into /tmp/alert-DIRECTOR.txt
	lab_in "$1" wget -O - http://127.0.0.1:9587/metrics > "/tmp/alert-$1.txt" 2>/dev/null
}
lvsd_daemon() { # DIRECTOR STATE: the lvsd body lists a sync daemon in that state
	scrape "$1" && grep -q "^ipvs_sync_daemon_info{state=\"$2\"" "/tmp/alert-$1.txt"
}
lvsd_no_master_daemon() { scrape dirA && ! grep -q '^ipvs_sync_daemon_info{state="master"' /tmp/alert-dirA.txt; }
send_body() { # DIRECTOR PHASE: the last scrape on the console
	echo "LAB body-begin pair-$1-$2"
	cat "/tmp/alert-$1.txt"
	echo "LAB body-end pair-$1-$2"
}
lab_check pair.alert.before.lvsd-master-daemon lab_wait_for 20 lvsd_daemon dirA master
lab_check pair.alert.before.declared grep -q '^lvsd_declared_sync_daemon{interface="eth0",vrrp_instance="VI_1",syncid="51"} 1$' /tmp/alert-dirA.txt
scrape dirB
send_body dirA before
send_body dirB before
lab_in dirA ipvsadm --stop-daemon master
lab_check pair.alert.after.oracle-stopped sh -c "! $IP netns exec dirA ipvsadm -L --daemon | grep -q '^master sync daemon'"
lab_check pair.alert.after.lvsd-no-master-daemon lab_wait_for 20 lvsd_no_master_daemon
lab_check pair.alert.after.still-master grep -q '^lvsd_vrrp_master{vrrp_instance="VI_1"} 1$' /tmp/alert-dirA.txt
scrape dirB
send_body dirA after
send_body dirB after
kill "$traffic_pid" 2>/dev/null
wait "$traffic_pid" 2>/dev/null
for p in $($IP netns pids dirA) $($IP netns pids dirB); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = lvsd ] && kill "$p"
done
stop_ka dirA
stop_ka dirB
lab_wait_for 10 sh -c '! [ -e /run/ka-dirA.pid ] && ! [ -e /run/ka-dirB.pid ]'
