# Every kind of virtual service and real server appears in lvstop's JSON as
# ipvsadm shows it: IPv6, UDP, SCTP, firewall marks (IPv4 and IPv6), every
# scheduler, scheduler flags, persistence with a netmask, one-packet
# scheduling, thresholds, every forwarding method and tunnel type, changed
# timeouts and sync daemons.  Real traffic goes through most of them.
. /lab/lib.sh

lab_have_lvstop || exit 0
lab_check topology.all lab_all || exit 0

set -- $LAB_NAT_RS
RS1=$1 RS2=$2
set -- $LAB_NAT_RS6
RS61=$1 RS62=$2
set -- $LAB_TUN_RS
TUN1=$1 TUN2=$2
set -- $LAB_DR_RS
DR1=$1 DR2=$2

setup() {
	# UDP with sh and both of its flags; DNS queries go through it.
	ipvsadm -A -u "$LAB_NAT_VIP:53" -s sh -b sh-fallback,sh-port &&
	ipvsadm -a -u "$LAB_NAT_VIP:53" -r "$RS1:53" -m -w 2 &&
	ipvsadm -a -u "$LAB_NAT_VIP:53" -r "$RS2:53" -m -w 1 &&

	# SCTP with lblcr and thresholds (no SCTP client in the lab).
	ipvsadm -A --sctp-service "$LAB_NAT_VIP:5060" -s lblcr &&
	ipvsadm -a --sctp-service "$LAB_NAT_VIP:5060" -r "$RS1:5060" -m -x 100 -y 50 &&
	ipvsadm -a --sctp-service "$LAB_NAT_VIP:5060" -r "$RS2:5060" -m -w 4 &&

	# Firewall mark 1 (IPv4), mh with its flags; tc marks the packets.
	lab_vip 203.0.113.50 && lab_mark 203.0.113.50 1 &&
	ipvsadm -A -f 1 -s mh -b mh-fallback,mh-port &&
	ipvsadm -a -f 1 -r "$RS1:0" -m -w 2 &&
	ipvsadm -a -f 1 -r "$RS2:0" -m -w 1 &&

	# Firewall mark 2 (IPv6), ovf, persistent with a /64 netmask.
	lab_vip 2001:db8:f::50 && lab_mark 2001:db8:f::50 2 &&
	ipvsadm -A -f 2 -6 -s ovf -p 60 -M 64 &&
	ipvsadm -a -f 2 -6 -r "[$RS61]:0" -m -x 10 -y 5 &&
	ipvsadm -a -f 2 -6 -r "[$RS62]:0" -m -w 0 &&

	# TCP persistence with a netmask.
	lab_vip 203.0.113.11 &&
	ipvsadm -A -t 203.0.113.11:80 -s wlc -p 300 -M 255.255.255.0 &&
	ipvsadm -a -t 203.0.113.11:80 -r "$RS1:80" -m &&
	ipvsadm -a -t 203.0.113.11:80 -r "$RS2:80" -m &&

	# One-packet scheduling (UDP).
	lab_vip 203.0.113.12 &&
	ipvsadm -A -u 203.0.113.12:53 -s rr -o &&
	ipvsadm -a -u 203.0.113.12:53 -r "$RS1:53" -m &&
	ipvsadm -a -u 203.0.113.12:53 -r "$RS2:53" -m &&

	# Every forwarding method and tunnel type on one service.
	ipvsadm -A -t 203.0.113.13:8080 -s wrr &&
	ipvsadm -a -t 203.0.113.13:8080 -r "$RS1:80" -m -w 5 &&
	ipvsadm -a -t 203.0.113.13:8080 -r "$DR1:8080" -g -w 4 &&
	ipvsadm -a -t 203.0.113.13:8080 -r "$TUN1:8080" -i -w 3 &&
	ipvsadm -a -t 203.0.113.13:8080 -r "$TUN2:8080" -i --tun-type gue --tun-port 6080 --tun-nocsum &&
	ipvsadm -a -t 203.0.113.13:8080 -r "$DR2:8080" -i --tun-type gre --tun-csum &&
	ipvsadm -a -t 203.0.113.13:8080 -r 192.0.2.141:8080 -i --tun-type gue --tun-port 6081 --tun-remcsum &&
	ipvsadm -a -t 203.0.113.13:8080 -r 192.0.2.142:8080 -i --tun-type gue --tun-port 6082 --tun-csum &&

	# IPv6 TCP with a /64 persistence netmask and a thresholded server.
	lab_vip 2001:db8:f::11 &&
	ipvsadm -A -t "[2001:db8:f::11]:443" -s sed -p 120 -M 64 &&
	ipvsadm -a -t "[2001:db8:f::11]:443" -r "[$RS61]:80" -m -x 1000 -y 900 &&

	# One service per scheduler, NAT to both real servers (port 8000+i -> 80).
	i=0 &&
	for s in rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh; do
		i=$((i + 1))
		ipvsadm -A -t "$LAB_NAT_VIP:$((8000 + i))" -s "$s" || return 1
		ipvsadm -a -t "$LAB_NAT_VIP:$((8000 + i))" -r "$RS1:80" -m -w $((i % 3 + 1)) || return 1
		ipvsadm -a -t "$LAB_NAT_VIP:$((8000 + i))" -r "$RS2:80" -m -w $((i % 2 + 1)) || return 1
	done &&

	# Non-default timeouts and both sync daemons.
	ipvsadm --set 910 121 301 &&
	ipvsadm --start-daemon master --mcast-interface dcli --syncid 7 &&
	ipvsadm --start-daemon backup --mcast-interface dcli --syncid 8
}
lab_check setup setup || exit 0

# Traffic through the kinds that a busybox client can speak.
traffic() {
	bad=0
	lab_traffic "$LAB_NAT_VIP6" 80 3 || bad=1
	lab_traffic 203.0.113.50 80 3 || bad=1
	lab_traffic 2001:db8:f::50 80 3 || bad=1
	lab_traffic 203.0.113.11 80 3 || bad=1
	lab_traffic 2001:db8:f::11 443 2 || bad=1
	i=0
	while [ "$i" -lt 13 ]; do
		i=$((i + 1))
		lab_traffic "$LAB_NAT_VIP" $((8000 + i)) 1 || bad=1
	done
	lab_dns "$LAB_NAT_VIP"
	lab_dns "$LAB_NAT_VIP"
	lab_dns 203.0.113.12
	return "$bad"
}
lab_check traffic traffic
lab_wait_stats

# The traffic reached the counters of the kinds that have no TCP client.
udp=$(ipvsadm -Ln --stats --exact | awk -v s="$LAB_NAT_VIP:53" '$1 == "UDP" && $2 == s { print $4 }')
lab_check oracle.udp-inpkts test "${udp:-0}" -gt 0
ops=$(ipvsadm -Ln --stats --exact | awk '$1 == "UDP" && $2 == "203.0.113.12:53" { print $4 }')
lab_check oracle.onepacket-inpkts test "${ops:-0}" -gt 0
fwm=$(ipvsadm -Ln --stats --exact | awk '$1 == "FWM" && $2 == 2 { print $4 }')
lab_check oracle.fwm6-conns test "${fwm:-0}" -eq 3

lab_compare_all kinds

# Sync daemons: ipvsadm -Ln --daemon prints
# "master sync daemon (mcast=dcli, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)"
j=/tmp/cmp.kinds/lvstop.json
ipvsadm -Ln --daemon | sed 's/[(),]/ /g' | while read -r state _ _ rest; do
	for kv in $rest; do
		k=${kv%%=*} v=${kv#*=}
		case $k in
		mcast) f=mcast_interface ;;
		syncid) f=syncid ;;
		maxlen) f=sync_maxlen ;;
		group) f=mcast_group ;;
		port) f=mcast_port ;;
		ttl) f=mcast_ttl ;;
		*) continue ;;
		esac
		lab_cmp "sync_daemons/$state/$f" "$v" \
			"$(jq -r --arg s "$state" ".sync_daemons[] | select(.state == \$s) | .$f" "$j")"
	done
done
lab_cmp sync_daemons/count "$(ipvsadm -Ln --daemon | grep -c 'sync daemon')" \
	"$(jq -r '.sync_daemons | length' "$j")"
