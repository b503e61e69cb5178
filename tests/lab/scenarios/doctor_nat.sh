# doctor on NAT faults, each built with real traffic: a real server whose
# default route is not the director (SYN_RECV pile), a quiesced server of
# a persistent service that keeps its clients, a service without real
# servers, one with every weight 0, a VIP no interface holds; then
# forwarding turned off.  The healthy objects beside them stay silent.
. /lab/lib.sh
. /lab/doctor.sh

lab_have_lvstop || exit 0
lab_check topology.nat lab_nat || exit 0

# Persistent service on the real servers' port 8080 (its own connection
# entries, apart from port 80's).
for i in 1 2; do
	mkdir -p "/srv/nat${i}p"
	echo "nat$i" > "/srv/nat${i}p/index.html"
	lab_in "nat$i" httpd -p 8080 -h "/srv/nat${i}p"
done
lab_vip 203.0.113.11
ipvsadm -A -t 203.0.113.11:80 -s rr -p 60
ipvsadm -a -t 203.0.113.11:80 -r 192.0.2.11:8080 -m -w 1
ipvsadm -a -t 203.0.113.11:80 -r 192.0.2.12:8080 -m -w 1
first=$(lab_get 203.0.113.11 80)
case $first in
nat1) quiesced=192.0.2.11 other=nat2 ;;
*) quiesced=192.0.2.12 other=nat1 ;;
esac
ipvsadm -e -t 203.0.113.11:80 -r "$quiesced:8080" -m -w 0
lab_eq persist.eqt-default 0 "$(cat /proc/sys/net/ipv4/vs/expire_quiescent_template)"
lab_eq persist.still-lands "$first" "$(lab_get 203.0.113.11 80)"

# A service without real servers, one with every weight 0, one whose VIP
# no interface holds.
lab_vip 203.0.113.12
lab_vip 203.0.113.13
ipvsadm -A -t 203.0.113.12:80 -s rr
ipvsadm -A -t 203.0.113.13:80 -s rr
ipvsadm -a -t 203.0.113.13:80 -r 192.0.2.11:80 -m -w 0
ipvsadm -A -t 203.0.113.14:80 -s rr
ipvsadm -a -t 203.0.113.14:80 -r 192.0.2.11:80 -m -w 1
lab_check traffic.no-rs-refused sh -c "! $IP netns exec client timeout 3 wget -O - http://203.0.113.12/ >/dev/null 2>&1"
lab_check traffic.vip-away-fails sh -c "! $IP netns exec client timeout 3 wget -O - http://203.0.113.14/ >/dev/null 2>&1"

# nat2 answers through a router that is not the director.
$IP -n nat2 route replace default via 192.0.2.2
doctor_tries "$LAB_NAT_VIP" 80 8
lab_check oracle.nat2-syn-recv test "$(doctor_syn_recv 192.0.2.12:80)" -ge 3
lab_eq oracle.nat1-syn-recv 0 "$(doctor_syn_recv 192.0.2.11:80)"

before=$(doctor_state_of_director)
doctor_run
lab_eq nat.exit 1 "$DOCTOR_RC"
doctor_has nat.reply-path "nat-reply-path|-t 203.0.113.10:80|192.0.2.12:80"
doctor_lacks nat.reply-path-healthy "192.0.2.11:80"
fix=$(doctor_field nat-reply-path 192.0.2.12:80 fix)
doctor_contains nat.reply-path-fix "$fix" "on 192.0.2.12: ip route replace default via 192.0.2.1"
ev=$(doctor_field nat-reply-path 192.0.2.12:80 evidence)
doctor_contains nat.reply-path-evidence "$ev" "TCP entries in SYN_RECV, 0 ESTABLISHED"
doctor_contains nat.reply-path-contrast "$ev" "other real servers: 192.0.2.11:80:"
doctor_has nat.quiesced-persistent "quiesced-persistent|-t 203.0.113.11:80|$quiesced:8080"
doctor_contains nat.quiesced-evidence "$(doctor_field quiesced-persistent "$quiesced:8080" evidence)" \
	"net.ipv4.vs.expire_quiescent_template = 0"
doctor_has nat.no-real-server "no-real-server|-t 203.0.113.12:80|"
doctor_has nat.all-weights-zero "all-weights-zero|-t 203.0.113.13:80|"
doctor_has nat.vip-not-local "vip-not-local|-t 203.0.113.14:80|"
doctor_lacks nat.ipv6-silent "2001:db8"
doctor_lacks nat.forward-on "ip-forward-off"
lab_eq nat.count 5 "$(printf '%s\n' "$DOCTOR_OUT" | grep -c .)"
lab_eq nat.unchanged "$before" "$(doctor_state_of_director)"

# One service: only its findings; an unknown one: exit 2, named.
doctor_run -t 203.0.113.10:80
lab_eq nat.only-service "nat-reply-path|-t 203.0.113.10:80|192.0.2.12:80" "$DOCTOR_OUT"
doctor_run -t 203.0.113.99:80
lab_eq nat.unknown-service.exit 2 "$DOCTOR_RC"
doctor_contains nat.unknown-service.msg "$(cat /tmp/doctor.err)" "no service -t 203.0.113.99:80"
# Fresh entries: a SYN_RECV entry lives 60 s, and the lab is slow.
doctor_tries "$LAB_NAT_VIP" 80 6
out=$(lvstop doctor)
lab_eq nat.text.exit 1 "$?"
doctor_contains nat.text "$out" "replies from the real server do not pass through the director"
doctor_contains nat.text-count "$out" "5 findings: 4 errors, 1 warning, 0 info"

# lvsd with a TCP health check on the service: nat2's check passes (the
# director reaches it; its clients do not); doctor reads that from lvsd,
# and lvsd exports the finding itself.
if command -v lvsd >/dev/null 2>&1; then
	cat > /tmp/lvsd.conf <<EOC
daemon = { interval = 1.0; };
exporter = { listen = "127.0.0.1:9587"; };
health = { default = { type = "tcp"; interval = 1.0; timeout = 5.0; rise = 1; fall = 5; }; };
services = ( { service = "tcp:$LAB_NAT_VIP:80"; } );
EOC
	LVSTOP_STATE_FILE=/tmp/lvstop-state.json LVSTOP_AUDIT_LOG=/tmp/lvstop-audit.log \
		lvsd --config /tmp/lvsd.conf 2>/tmp/lvsd.log &
	lvsd_pid=$!
	health() {
		wget -O - http://127.0.0.1:9587/api/v1/snapshot 2>/dev/null | jq -r --arg vip "$LAB_NAT_VIP" \
			'.services[] | select(.address == $vip and .port == 80) | .real_servers[] |
			 select(.address == "192.0.2.12" and .port == 80) | .health'
	}
	i=0
	while [ $i -lt 30 ] && [ "$(health)" != up ]; do
		sleep 1
		i=$((i + 1))
	done
	lab_eq lvsd.nat2-check-passes up "$(health)"
	# Fresh entries (SYN_RECV ones expire after 60 s).
	doctor_tries "$LAB_NAT_VIP" 80 6
	want='lvsd_diagnosis{id="nat-reply-path",service="-t 203.0.113.10:80",real_server="192.0.2.12:80",severity="error"} 1'
	got=""
	i=0
	while [ $i -lt 20 ]; do
		got=$(wget -O - http://127.0.0.1:9587/metrics 2>/dev/null | grep -F "$want")
		[ -n "$got" ] && break
		sleep 1
		i=$((i + 1))
	done
	lab_eq lvsd.diagnosis "$want" "$got"
	doctor_run --lvsd http://127.0.0.1:9587
	doctor_contains lvsd.health-passes "$(doctor_field nat-reply-path 192.0.2.12:80 evidence)$(cat /tmp/doctor.err) (lvsd now: $(health))" \
		"its health check passes"
	doctor_run --no-lvsd
	ev=$(doctor_field nat-reply-path 192.0.2.12:80 evidence)
	case $ev in
	*"health check"*) lab_fail lvsd.no-lvsd "health named without lvsd: $ev" ;;
	*) lab_ok lvsd.no-lvsd ;;
	esac
	kill "$lvsd_pid"
	wait "$lvsd_pid" 2>/dev/null
else
	lab_fail lvsd.present "build/lvsd is not in the image (run make first)"
fi

# The fix for persistence: the next connection goes elsewhere and the
# finding is gone.
sysctl -qw net.ipv4.vs.expire_quiescent_template=1
lab_eq persist.fixed-moves "$other" "$(lab_get 203.0.113.11 80)"
doctor_run
doctor_lacks persist.fixed "quiesced-persistent"

# Forwarding off: NAT replies are dropped; the cause is named, not a
# reply-path problem of every real server.
$IP -n nat2 route replace default via 192.0.2.1
sysctl -qw net.ipv4.ip_forward=0
lab_check traffic.forward-off-fails sh -c "! $IP netns exec client timeout 3 wget -O - http://$LAB_NAT_VIP/ >/dev/null 2>&1"
doctor_run
doctor_has forward.off "ip-forward-off|-t 203.0.113.10:80|"
doctor_has forward.off-persistent "ip-forward-off|-t 203.0.113.11:80|"
doctor_contains forward.evidence "$(jq -r '.findings[] | select(.id == "ip-forward-off") | .evidence' /tmp/doctor.json | head -n 1)" \
	"net.ipv4.ip_forward = 0"
doctor_lacks forward.not-reply-path "nat-reply-path"
doctor_lacks forward.ipv6-forwarding-on "ip-forward-off|-t [2001:db8:f::10]:80|"
sysctl -qw net.ipv4.ip_forward=1
