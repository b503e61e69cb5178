# The lab's guest library: the three LVS topologies (NAT, DR, TUN) built from
# network namespaces, veth pairs and bridges inside the guest, traffic, and
# the check helpers whose output tests/lab/run.sh reads.
#
# The director is the guest's root namespace.  Every address is from the
# documentation ranges (RFC 5737, RFC 3849); the guest has no NIC anyway.
#
#   client ns  198.51.100.2/24, 2001:db8:c::2/64  -- veth --  director
#   director   198.51.100.1 (dcli), VIPs 203.0.113.x/32 and 2001:db8:f::x/128
#   NAT  br-nat 192.0.2.1/26,   2001:db8:a::1/64   rs nat1 .11, nat2 .12
#   DR   br-dr  192.0.2.65/26                      rs dr1 .75, dr2 .76
#   TUN  br-tun 192.0.2.129/26                     rs tun1 .139, tun2 .140
#
# Sourced by scenarios (POSIX sh, busybox).  iproute2 is /sbin/ip: a bare
# `ip` is busybox's applet, which has no netns support.

IP=/sbin/ip

# Client and director addresses.
LAB_CLIENT=198.51.100.2
LAB_CLIENT6=2001:db8:c::2
LAB_DIRECTOR=198.51.100.1
LAB_DIRECTOR6=2001:db8:c::1

# Default services (see lab_nat, lab_dr, lab_tun).
LAB_NAT_VIP=203.0.113.10
LAB_NAT_VIP6=2001:db8:f::10
LAB_DR_VIP=203.0.113.20
LAB_TUN_VIP=203.0.113.30
LAB_NAT_RS="192.0.2.11 192.0.2.12"
LAB_NAT_RS6="2001:db8:a::11 2001:db8:a::12"
LAB_DR_RS="192.0.2.75 192.0.2.76"
LAB_TUN_RS="192.0.2.139 192.0.2.140"

lab_log() { echo "lab: $*" >&2; }

# --- checks ----------------------------------------------------------------
# Every check prints exactly one line on stdout (the serial console):
#   LAB ok NAME   or   LAB FAIL NAME: detail
# NAME is one word (no spaces).  Checks return 0 on success, 1 on failure.

lab_ok() { echo "LAB ok $1"; }
lab_fail() { # NAME DETAIL...
	_fn=$1
	shift
	# The detail stays on the line: the host reads one check per line.
	echo "LAB FAIL $_fn: $(printf '%s' "$*" | tr '\n' '|')"
	return 1
}

# lab_check NAME CMD...: run CMD; ok when it exits 0.  On failure the detail
# is the exit status and the last lines CMD printed.
lab_check() {
	_n=$1
	shift
	_out=$("$@" 2>&1)
	_rc=$?
	if [ "$_rc" -eq 0 ]; then
		lab_ok "$_n"
		return 0
	fi
	# One line: the command (shortened) and the last lines it printed.
	_cmd=$(printf '%s' "$*" | tr '\n\t' '  ' | tr -s ' ' | cut -c 1-100)
	_out=$(printf '%s' "$_out" | tail -n 3 | tr '\n\t' '| ')
	lab_fail "$_n" "'$_cmd' exited $_rc${_out:+: $_out}"
}

# lab_eq NAME EXPECTED ACTUAL
lab_eq() {
	if [ "$2" = "$3" ]; then
		lab_ok "$1"
		return 0
	fi
	lab_fail "$1" "expected '$2', got '$3'"
}

# lab_cmp NAME ORACLE ACTUAL: like lab_eq, for values where ipvsadm is the
# oracle and lvstop is under test.
lab_cmp() {
	if [ "$2" = "$3" ]; then
		lab_ok "$1"
		return 0
	fi
	lab_fail "$1" "ipvsadm says '$2', lvstop says '$3'"
}

# lab_wait_for SECONDS COMMAND...: run COMMAND once a second until it
# succeeds (0) or SECONDS have gone by (1).
lab_wait_for() {
	_w=$1
	shift
	while [ "$_w" -gt 0 ]; do
		"$@" && return 0
		sleep 1
		_w=$((_w - 1))
	done
	return 1
}

# lab_wait_stats: the kernel's estimator copies the per-CPU counters every
# 2 s; wait past one refresh after traffic stops.
lab_wait_stats() { sleep "${1:-3}"; }

# lab_have_lvstop NAME: ok when the project's binary is in the image.
lab_have_lvstop() {
	if command -v lvstop >/dev/null 2>&1; then
		return 0
	fi
	lab_fail "${1:-lvstop}" "build/lvstop is not in the image (run make first)"
}

# --- namespaces and links --------------------------------------------------

# lab_ns NAME: create a network namespace with lo up.
lab_ns() {
	$IP netns add "$1" || return 1
	$IP -n "$1" link set lo up
}

# lab_in NS CMD...: run CMD in namespace NS.
lab_in() {
	_ns=$1
	shift
	$IP netns exec "$_ns" "$@"
}

# lab_bridge NAME ADDR4/LEN [ADDR6/LEN]: a bridge on the director.
lab_bridge() {
	$IP link add "$1" type bridge forward_delay 0 stp_state 0 || return 1
	$IP addr add "$2" dev "$1"
	[ -n "${3:-}" ] && $IP addr add "$3" dev "$1" nodad
	$IP link set "$1" up
	sysctl -qw "net.ipv6.conf.$1.accept_dad=0" 2>/dev/null
	return 0
}

# lab_rs NS BRIDGE ADDR4/LEN GW4 [ADDR6/LEN GW6]: a real server namespace
# plugged into BRIDGE, default route via the director, serving HTTP on :80
# with an index page that names it.
lab_rs() {
	_ns=$1 _br=$2
	lab_ns "$_ns" || return 1
	$IP link add "$_ns" type veth peer name eth0 netns "$_ns" || return 1
	$IP link set "$_ns" master "$_br" up
	$IP -n "$_ns" link set eth0 up
	$IP -n "$_ns" addr add "$3" dev eth0
	$IP -n "$_ns" route add default via "$4"
	if [ -n "${5:-}" ]; then
		$IP -n "$_ns" addr add "$5" dev eth0 nodad
		$IP -n "$_ns" -6 route add default via "$6"
	fi
	mkdir -p "/srv/$_ns"
	echo "$_ns" > "/srv/$_ns/index.html"
	# busybox httpd forks into the background and stays in the namespace.
	lab_in "$_ns" httpd -p 80 -h "/srv/$_ns"
}

# lab_client: the client namespace and its link to the director (once).
lab_client() {
	[ -e /run/netns/client ] && return 0
	sysctl -qw net.ipv4.ip_forward=1
	sysctl -qw net.ipv6.conf.all.forwarding=1
	sysctl -qw net.ipv6.conf.default.accept_dad=0
	sysctl -qw net.ipv6.conf.all.accept_dad=0
	lab_ns client || return 1
	$IP link add dcli type veth peer name eth0 netns client || return 1
	$IP addr add "$LAB_DIRECTOR/24" dev dcli
	$IP addr add "$LAB_DIRECTOR6/64" dev dcli nodad
	$IP link set dcli up
	$IP -n client link set eth0 up
	$IP -n client addr add "$LAB_CLIENT/24" dev eth0
	$IP -n client addr add "$LAB_CLIENT6/64" dev eth0 nodad
	$IP -n client route add default via "$LAB_DIRECTOR"
	$IP -n client -6 route add default via "$LAB_DIRECTOR6"
}

# lab_vip ADDR: a virtual IP on the director (on the client-facing link).
lab_vip() {
	case $1 in
	*:*) $IP addr add "$1/128" dev dcli nodad ;;
	*) $IP addr add "$1/32" dev dcli ;;
	esac
}

# lab_mark VIP MARK: packets from the client to VIP get firewall mark MARK
# (tc on the director's client link; the guest has no iptables).
lab_mark() {
	if [ ! -e /run/lab.clsact ]; then
		/sbin/tc qdisc add dev dcli clsact || return 1
		: > /run/lab.clsact
	fi
	case $1 in
	*:*) /sbin/tc filter add dev dcli ingress protocol ipv6 u32 \
		match ip6 dst "$1/128" action skbedit mark "$2" ;;
	*) /sbin/tc filter add dev dcli ingress protocol ip u32 \
		match ip dst "$1/32" action skbedit mark "$2" ;;
	esac
}

# lab_unload_ipvs: flush IPVS and remove the schedulers and ip_vs.  A
# module whose last user just went away can still be busy for a moment:
# retry for a few seconds.
LAB_SCHEDULERS="rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh"
lab_unload_ipvs() {
	ipvsadm -C 2>/dev/null
	_t=0
	while grep -q '^ip_vs ' /proc/modules; do
		for _s in $LAB_SCHEDULERS; do
			grep -q "^ip_vs_$_s " /proc/modules && rmmod "ip_vs_$_s" 2>/dev/null
		done
		rmmod ip_vs 2>/dev/null && return 0
		_t=$((_t + 1))
		if [ "$_t" -ge 20 ]; then
			echo "ip_vs still loaded: $(grep '^ip_vs' /proc/modules | tr '\n' ' ')"
			return 1
		fi
		sleep 0.5
	done
	return 0
}

# --- topologies ------------------------------------------------------------

# lab_nat: VS/NAT.  Real servers nat1 (192.0.2.11, 2001:db8:a::11) and nat2
# (192.0.2.12, 2001:db8:a::12) behind br-nat, default route via the director.
# Services: TCP 203.0.113.10:80 rr, both masq, weight 1;
#           TCP [2001:db8:f::10]:80 rr, both masq, weight 1.
lab_nat() {
	lab_client || return 1
	lab_bridge br-nat 192.0.2.1/26 2001:db8:a::1/64 || return 1
	lab_rs nat1 br-nat 192.0.2.11/26 192.0.2.1 2001:db8:a::11/64 2001:db8:a::1 || return 1
	lab_rs nat2 br-nat 192.0.2.12/26 192.0.2.1 2001:db8:a::12/64 2001:db8:a::1 || return 1
	lab_vip "$LAB_NAT_VIP"
	lab_vip "$LAB_NAT_VIP6"
	ipvsadm -A -t "$LAB_NAT_VIP:80" -s rr || return 1
	for r in $LAB_NAT_RS; do
		ipvsadm -a -t "$LAB_NAT_VIP:80" -r "$r:80" -m -w 1 || return 1
	done
	ipvsadm -A -t "[$LAB_NAT_VIP6]:80" -s rr || return 1
	for r in $LAB_NAT_RS6; do
		ipvsadm -a -t "[$LAB_NAT_VIP6]:80" -r "[$r]:80" -m -w 1 || return 1
	done
}

# lab_dr: VS/DR.  Real servers dr1 (192.0.2.75) and dr2 (192.0.2.76) on the
# director's segment br-dr, VIP on their lo, arp_ignore=1, arp_announce=2.
# They answer the client directly with the VIP as source, through their
# default route (the director): br-dr takes such packets with
# accept_local=1 and rp_filter=0.
# Service: TCP 203.0.113.20:80 wrr, dr1 weight 3, dr2 weight 1, route.
lab_dr() {
	lab_client || return 1
	lab_bridge br-dr 192.0.2.65/26 || return 1
	sysctl -qw net.ipv4.conf.all.rp_filter=0
	sysctl -qw net.ipv4.conf.br-dr.rp_filter=0
	sysctl -qw net.ipv4.conf.br-dr.accept_local=1
	i=0
	for r in $LAB_DR_RS; do
		i=$((i + 1))
		lab_rs "dr$i" br-dr "$r/26" 192.0.2.65 || return 1
		lab_in "dr$i" sysctl -qw net.ipv4.conf.all.arp_ignore=1
		lab_in "dr$i" sysctl -qw net.ipv4.conf.all.arp_announce=2
		lab_in "dr$i" sysctl -qw net.ipv4.conf.eth0.arp_ignore=1
		lab_in "dr$i" sysctl -qw net.ipv4.conf.eth0.arp_announce=2
		$IP -n "dr$i" addr add "$LAB_DR_VIP/32" dev lo
	done
	lab_vip "$LAB_DR_VIP"
	ipvsadm -A -t "$LAB_DR_VIP:80" -s wrr || return 1
	set -- $LAB_DR_RS
	ipvsadm -a -t "$LAB_DR_VIP:80" -r "$1:80" -g -w 3 || return 1
	ipvsadm -a -t "$LAB_DR_VIP:80" -r "$2:80" -g -w 1 || return 1
}

# lab_tun: VS/TUN.  Real servers tun1 (192.0.2.139) and tun2 (192.0.2.140)
# behind br-tun receive IPIP, with the VIP on tunl0 and rp_filter=0.
# Service: TCP 203.0.113.30:80 wlc, tun1 weight 1, tun2 weight 2, tunnel.
lab_tun() {
	lab_client || return 1
	modprobe ipip
	lab_bridge br-tun 192.0.2.129/26 || return 1
	sysctl -qw net.ipv4.conf.all.rp_filter=0
	sysctl -qw net.ipv4.conf.br-tun.rp_filter=0
	sysctl -qw net.ipv4.conf.br-tun.accept_local=1
	i=0
	for r in $LAB_TUN_RS; do
		i=$((i + 1))
		lab_rs "tun$i" br-tun "$r/26" 192.0.2.129 || return 1
		lab_in "tun$i" sysctl -qw net.ipv4.conf.all.rp_filter=0
		lab_in "tun$i" sysctl -qw net.ipv4.conf.default.rp_filter=0
		lab_in "tun$i" sysctl -qw net.ipv4.conf.all.arp_ignore=1
		lab_in "tun$i" sysctl -qw net.ipv4.conf.all.arp_announce=2
		$IP -n "tun$i" addr add "$LAB_TUN_VIP/32" dev tunl0
		$IP -n "tun$i" link set tunl0 up
		lab_in "tun$i" sysctl -qw net.ipv4.conf.tunl0.rp_filter=0
		lab_in "tun$i" sysctl -qw net.ipv4.conf.eth0.rp_filter=0
	done
	lab_vip "$LAB_TUN_VIP"
	ipvsadm -A -t "$LAB_TUN_VIP:80" -s wlc || return 1
	set -- $LAB_TUN_RS
	ipvsadm -a -t "$LAB_TUN_VIP:80" -r "$1:80" -i -w 1 || return 1
	ipvsadm -a -t "$LAB_TUN_VIP:80" -r "$2:80" -i -w 2 || return 1
}

# lab_all: the three topologies at once.
lab_all() {
	lab_nat && lab_dr && lab_tun
}

# --- traffic ---------------------------------------------------------------

# lab_dns VIP: one DNS query (UDP port 53) from the client.  Nothing answers
# on the real servers; IPVS still schedules and counts the packets.
lab_dns() {
	lab_in client timeout 3 nslookup example.org "$1" >/dev/null 2>&1
	return 0
}

# lab_hold VIP PORT SECONDS: open a TCP connection from the client and keep
# it open (ESTABLISHED) for SECONDS, in the background.
lab_hold() {
	lab_in client sh -c "sleep $3 | nc $1 $2" >/dev/null 2>&1 &
}

# lab_url VIP PORT: an HTTP URL (IPv6 addresses in brackets).
lab_url() {
	case $1 in
	*:*) echo "http://[$1]:$2/" ;;
	*) echo "http://$1:$2/" ;;
	esac
}

# lab_get VIP PORT: one HTTP request from the client; prints the page.
# (busybox 1.35's wget crashes with -q -O /dev/null and with -T; -O - is
# safe, and timeout(1) bounds a request instead of -T.)
lab_get() {
	lab_in client timeout 10 wget -O - "$(lab_url "$1" "$2")" 2>/dev/null
}

# lab_traffic VIP PORT N: N HTTP requests from the client.  Returns the
# number of failed requests (0 when all succeeded, capped at 255).
lab_traffic() {
	_url=$(lab_url "$1" "$2")
	_bad=0
	_i=0
	while [ "$_i" -lt "$3" ]; do
		_i=$((_i + 1))
		lab_in client timeout 10 wget -O - "$_url" >/dev/null 2>&1 ||
			_bad=$((_bad + 1))
	done
	[ "$_bad" -gt 255 ] && _bad=255
	return "$_bad"
}

. /lab/compare.sh
