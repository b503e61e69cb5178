# doctor on DR and TUN faults, each built with real traffic: a real
# server with the VIP on eth0 and default ARP settings (it answers ARP for
# the VIP: the probe names its MAC), a DR real server without the VIP
# (SYN_RECV pile), a DR real server on another port than the service's
# (which direct routing cannot map), a TUN real server whose rp_filter
# drops the decapsulated packets.  The healthy real servers stay silent.
. /lab/lib.sh
. /lab/doctor.sh

lab_have_lvstop || exit 0
lab_check topology.dr lab_dr || exit 0
lab_check topology.tun lab_tun || exit 0

# dr3: the VIP on eth0, arp_ignore/arp_announce left at 0.
lab_rs dr3 br-dr 192.0.2.77/26 192.0.2.65
$IP -n dr3 addr add "$LAB_DR_VIP/32" dev eth0
ipvsadm -a -t "$LAB_DR_VIP:80" -r 192.0.2.77:80 -g -w 1
dr3_mac=$($IP -n dr3 link show eth0 | awk '/link\/ether/ { print $2 }')

# dr4: ARP settings right but no VIP (and, as a real server, no
# forwarding), in its own service with dr1.
lab_rs dr4 br-dr 192.0.2.78/26 192.0.2.65
lab_in dr4 sysctl -qw net.ipv4.ip_forward=0
lab_in dr4 sysctl -qw net.ipv4.conf.all.arp_ignore=1
lab_in dr4 sysctl -qw net.ipv4.conf.all.arp_announce=2
$IP -n dr1 addr add 203.0.113.21/32 dev lo
lab_vip 203.0.113.21
ipvsadm -A -t 203.0.113.21:80 -s rr
ipvsadm -a -t 203.0.113.21:80 -r 192.0.2.75:80 -g -w 1
ipvsadm -a -t 203.0.113.21:80 -r 192.0.2.78:80 -g -w 1

# Port mapping asked of DR: dr2 at port 8080 under a port-80 service.
# ipvsadm would silently write port 80; lab-ipvs-dest writes what
# keepalived would.
$IP -n dr2 addr add 203.0.113.22/32 dev lo
mkdir -p /srv/dr2-8080
echo dr2-8080 > /srv/dr2-8080/index.html
lab_in dr2 httpd -p 8080 -h /srv/dr2-8080
lab_vip 203.0.113.22
ipvsadm -A -t 203.0.113.22:80 -s rr
lab_check portmap.written lab-ipvs-dest 203.0.113.22:80 192.0.2.76:8080 route 1
lab_eq portmap.oracle "-> 192.0.2.76:8080 Route" \
	"$(ipvsadm -Ln -t 203.0.113.22:80 | awk '$2 == "192.0.2.76:8080" { print $1, $2, $3 }')"
# The packet reaches dr2 on port 80: the page of port 80 answers.
lab_eq portmap.not-mapped dr2 "$(lab_get 203.0.113.22 80)"

# tun2: strict reverse-path filtering drops what arrives on tunl0.  rr,
# not the lab's wlc: wlc counts a SYN_RECV entry of a tunnelled real
# server as active and would send it almost nothing more.
ipvsadm -E -t "$LAB_TUN_VIP:80" -s rr
lab_in tun2 sysctl -qw net.ipv4.conf.all.rp_filter=1
lab_in tun2 sysctl -qw net.ipv4.conf.tunl0.rp_filter=1

lab_check traffic.dr lab_traffic "$LAB_DR_VIP" 80 5
doctor_tries 203.0.113.21 80 8
doctor_tries "$LAB_TUN_VIP" 80 9
lab_check oracle.dr4-syn-recv test "$(doctor_syn_recv 192.0.2.78:80)" -ge 3
lab_check oracle.tun2-syn-recv test "$(doctor_syn_recv 192.0.2.140:80)" -ge 3
# The kernel's own count of packets rp_filter dropped in tun2.
rpf=$(lab_in tun2 awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "IPReversePathFilter") c = i; h = 1 } else print $c }' /proc/net/netstat)
lab_check oracle.tun2-rp-filter test "${rpf:-0}" -ge 3

neigh_before=$($IP -n dr3 neigh show | awk '{ print $1 }' | sort | tr '\n' ' ')
before=$(doctor_state_of_director)
doctor_run
lab_eq route.exit 1 "$DOCTOR_RC"
doctor_has route.arp "dr-arp-vip|-t $LAB_DR_VIP:80|192.0.2.77:80"
doctor_contains route.arp-mac "$(doctor_field dr-arp-vip 192.0.2.77:80 evidence)" \
	"who-has $LAB_DR_VIP on br-dr: answered by $dr3_mac (192.0.2.77 in the neighbour table)"
doctor_contains route.arp-fix "$(doctor_field dr-arp-vip 192.0.2.77:80 fix)" \
	"on 192.0.2.77: sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2"
doctor_has route.dr-no-vip "dr-rs-no-vip|-t 203.0.113.21:80|192.0.2.78:80"
doctor_has route.port-mapping "fwd-port-mapping|-t 203.0.113.22:80|192.0.2.76:8080"
doctor_has route.tun-drops "tun-rs-drops|-t $LAB_TUN_VIP:80|192.0.2.140:80"
doctor_lacks route.dr1-silent "|192.0.2.75:80"
doctor_lacks route.tun1-silent "|192.0.2.139:80"
lab_eq route.count 4 "$(printf '%s\n' "$DOCTOR_OUT" | grep -c .)"
lab_eq route.unchanged "$before" "$(doctor_state_of_director)"
lab_eq route.rs-neigh-unchanged "$neigh_before" \
	"$($IP -n dr3 neigh show | awk '{ print $1 }' | sort | tr '\n' ' ')"

# The console: the doctor view (o) lists the findings; the detail view of
# dr3 shows its own.
if command -v tmux >/dev/null 2>&1; then
	export TERM=xterm LC_ALL=C.UTF-8
	S=lvdoc
	screen() { tmux capture-pane -p -t "$S"; }
	keys() { tmux send-keys -t "$S" "$@"; sleep 1; }
	wait_screen() { # SECONDS EXTENDED-REGEX
		_i=0
		while [ "$_i" -lt "$1" ]; do
			screen | grep -qE "$2" && return 0
			sleep 1
			_i=$((_i + 1))
		done
		return 1
	}
	tmux new-session -d -s "$S" -x 160 -y 60 "lvstop --read-only; echo EXIT \$?; sleep 30"
	wait_screen 20 "$LAB_DR_VIP:80" || true
	keys o
	if wait_screen 30 "dr-arp-vip -t $LAB_DR_VIP:80 -r 192.0.2.77:80" &&
		wait_screen 5 "fwd-port-mapping -t 203.0.113.22:80 -r 192.0.2.76:8080"; then
		lab_ok console.doctor-view
	else
		lab_fail console.doctor-view "$(screen | grep -v '^ *$' | head -n 12)"
	fi
	keys o # back to the services
	keys / 192.0.2.77 Enter
	keys Down Enter
	if wait_screen 20 "Real server 192.0.2.77:80" &&
		wait_screen 30 "Doctor: 1 finding on this real server" && wait_screen 5 "dr-arp-vip"; then
		lab_ok console.detail-findings
	else
		lab_fail console.detail-findings "$(screen | grep -v '^ *$' | tail -n 12)"
	fi
	keys q
	wait_screen 10 "EXIT 0" && lab_ok console.quit || lab_fail console.quit "$(screen | tail -n 3)"
	tmux kill-server 2>/dev/null
else
	lab_fail console.tmux "tmux is not in the image"
fi

# Without the probe, the ARP answer is not seen: it is the probe that
# finds it.
doctor_run --no-arp
doctor_lacks route.no-arp "dr-arp-vip"

# The fix as doctor words it: arp_ignore alone is not enough while the
# VIP sits on the interface the request arrives on; with the VIP on lo,
# dr3 stops answering.
lab_in dr3 sysctl -qw net.ipv4.conf.all.arp_ignore=1
lab_in dr3 sysctl -qw net.ipv4.conf.all.arp_announce=2
doctor_run
doctor_has route.arp-ignore-alone "dr-arp-vip|-t $LAB_DR_VIP:80|192.0.2.77:80"
$IP -n dr3 addr del "$LAB_DR_VIP/32" dev eth0
$IP -n dr3 addr add "$LAB_DR_VIP/32" dev lo
doctor_run
doctor_lacks route.arp-fixed "dr-arp-vip"
