# Smoke: the lab itself works.  IPVS loads, each topology carries real HTTP
# traffic through its VIP, ipvsadm sees the connections, and the schedulers
# pick the servers they should.  Uses only ipvsadm, not the project's code.
. /lab/lib.sh

lab_check ipvs.loaded grep -q '^ip_vs ' /proc/modules
lab_check ipvs.proc test -r /proc/net/ip_vs
for s in rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh; do
	lab_check "ipvs.sched-$s" grep -q "^ip_vs_$s " /proc/modules
done

lab_check topology.all lab_all || exit 1

# conns_to VIP PORT: entries in the connection table for that virtual address.
conns_to() {
	case $1 in
	*:*) _v="[$1]:$2" ;;
	*) _v="$1:$2" ;;
	esac
	ipvsadm -Lnc | awk -v v="$_v" 'NR > 2 && $5 == v { n++ } END { print n + 0 }'
}

# pages VIP PORT N: the server names that answer N requests, space separated.
pages() {
	_i=0
	_all=
	while [ "$_i" -lt "$3" ]; do
		_i=$((_i + 1))
		_all="$_all $(lab_get "$1" "$2")"
	done
	echo $_all
}

# NAT, rr over two servers: answers alternate.
got=$(pages "$LAB_NAT_VIP" 80 4)
case $got in
"nat1 nat2 nat1 nat2" | "nat2 nat1 nat2 nat1") lab_ok nat.rr-alternates ;;
*) lab_fail nat.rr-alternates "answers were '$got'" ;;
esac
lab_eq nat.conn-entries 4 "$(conns_to "$LAB_NAT_VIP" 80)"

# NAT over IPv6.
got=$(pages "$LAB_NAT_VIP6" 80 2)
case $got in
"nat1 nat2" | "nat2 nat1") lab_ok nat6.rr-alternates ;;
*) lab_fail nat6.rr-alternates "answers were '$got'" ;;
esac
lab_eq nat6.conn-entries 2 "$(conns_to "$LAB_NAT_VIP6" 80)"

# DR, wrr 3:1: eight requests give six to dr1 and two to dr2.
got=$(pages "$LAB_DR_VIP" 80 8)
n1=$(echo "$got" | tr ' ' '\n' | grep -c '^dr1$')
n2=$(echo "$got" | tr ' ' '\n' | grep -c '^dr2$')
lab_eq dr.wrr-split "6 2" "$n1 $n2" || echo "answers: $got"
lab_eq dr.conn-entries 8 "$(conns_to "$LAB_DR_VIP" 80)"

# TUN, wlc: every request answered by a tunnel real server.
got=$(pages "$LAB_TUN_VIP" 80 4)
n=$(echo "$got" | tr ' ' '\n' | grep -c '^tun[12]$')
lab_eq tun.answers 4 "$n" || echo "answers: $got"
lab_eq tun.conn-entries 4 "$(conns_to "$LAB_TUN_VIP" 80)"

# The kernel's counters catch up within one estimator period.
lab_wait_stats
stat_conns() { # SERVICE (as ipvsadm prints it)
	ipvsadm -Ln --stats --exact | awk -v s="$1" '$1 == "TCP" && $2 == s { print $3 }'
}
lab_eq nat.stats-conns 4 "$(stat_conns "$LAB_NAT_VIP:80")"
lab_eq dr.stats-conns 8 "$(stat_conns "$LAB_DR_VIP:80")"
lab_eq tun.stats-conns 4 "$(stat_conns "$LAB_TUN_VIP:80")"

ipvsadm -Ln
ipvsadm -Lnc
