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

# tun2: strict reverse-path filtering drops what arrives on tunl0.
lab_in tun2 sysctl -qw net.ipv4.conf.all.rp_filter=1

lab_check traffic.dr lab_traffic "$LAB_DR_VIP" 80 5
doctor_tries 203.0.113.21 80 8
doctor_tries "$LAB_TUN_VIP" 80 9
lab_check oracle.dr4-syn-recv test "$(doctor_syn_recv 192.0.2.78:80)" -ge 3
lab_check oracle.tun2-syn-recv test "$(doctor_syn_recv 192.0.2.140:80)" -ge 3

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

# Without the probe, the ARP answer is not seen: it is the probe that
# finds it.
doctor_run --no-arp
doctor_lacks route.no-arp "dr-arp-vip"

# The fix: dr3 stops answering once arp_ignore is set.
lab_in dr3 sysctl -qw net.ipv4.conf.all.arp_ignore=1
lab_in dr3 sysctl -qw net.ipv4.conf.all.arp_announce=2
doctor_run
doctor_lacks route.arp-fixed "dr-arp-vip"
