# Malformed commands and refused changes: each must fail with a message
# that names the field or the object and the problem, exit nonzero, and
# leave `ipvsadm -Sn` (and the thresholds) byte-identical.  Kernel answers
# are translated too: a scheduler whose module cannot be loaded.
. /lab/lib.sh

lab_have_lvstop || exit 0

export LVSTOP_STATE_FILE=/tmp/lvstop-state.json
export LVSTOP_AUDIT_LOG=/tmp/lvstop-audit.log
rm -f "$LVSTOP_AUDIT_LOG"

setup() {
	ipvsadm -C
	ipvsadm -A -t 203.0.113.10:80 -s rr &&
	ipvsadm -a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 1 &&
	ipvsadm -a -t 203.0.113.10:80 -r 192.0.2.12:80 -m -w 3 -x 50 -y 5 &&
	ipvsadm -A -t 203.0.113.20:80 -s wrr &&
	ipvsadm -a -t 203.0.113.20:80 -r 192.0.2.75 -g -w 3 &&
	ipvsadm -A -f 5 -s wlc -p 60 &&
	ipvsadm -a -f 5 -r 192.0.2.139:0 -i
}
view() {
	ipvsadm -Sn
	ipvsadm -Ln --thresholds
}

# Kernel answers, translated: a scheduler whose module cannot be loaded.
i=0
while grep -q '^ip_vs_nq ' /proc/modules && [ "$i" -lt 20 ]; do
	rmmod ip_vs_nq 2>/dev/null || sleep 0.2
	i=$((i + 1))
done
saved_modprobe=$(cat /proc/sys/kernel/modprobe)
echo /bin/false > /proc/sys/kernel/modprobe
before=$(view)
out=$(lvstop add-service -t 203.0.113.40:80 -s nq 2>&1)
rc=$?
echo "$saved_modprobe" > /proc/sys/kernel/modprobe
case $out in
*"ip_vs_nq"*) lab_eq kernel.module-missing "1 same" "$rc $([ "$before" = "$(view)" ] && echo same)" ;;
*) lab_fail kernel.module-missing "rc $rc: $out" ;;
esac

# Malformed commands: a clear message, exit 2 or 1, and the table
# byte-identical.  Each line: EXPECTED-TEXT|ARGS.
lab_check setup setup
before=$(view)
n_bad=0
while IFS='|' read -r want args; do
	[ -n "$want" ] || continue
	n_bad=$((n_bad + 1))
	out=$(eval "lvstop $args" 2>&1)
	rc=$?
	after=$(view)
	if [ "$rc" -eq 0 ]; then
		lab_fail "bad.$n_bad" "lvstop $args succeeded: $out"
	elif [ "$after" != "$before" ]; then
		lab_fail "bad.$n_bad" "lvstop $args changed the table"
	else
		case $out in
		*"$want"*) lab_ok "bad.$n_bad" ;;
		*) lab_fail "bad.$n_bad" "lvstop $args: expected '$want' in: $out" ;;
		esac
	fi
done <<'EOF'
no virtual service TCP 203.0.113.99:80|add-server -t 203.0.113.99:80 -r 192.0.2.11 -m
virtual service TCP 203.0.113.10:80 exists already|add-service -t 203.0.113.10:80 -s rr
real server 192.0.2.11:80 exists already|add-server -t 203.0.113.10:80 -r 192.0.2.11:80 -m
no real server 192.0.2.99:80 in virtual service TCP 203.0.113.10:80|edit-server -t 203.0.113.10:80 -r 192.0.2.99 -w 2
no real server 192.0.2.99:80|del-server -t 203.0.113.10:80 -r 192.0.2.99
no real server 192.0.2.99:80|quiesce -t 203.0.113.10:80 -r 192.0.2.99
no virtual service UDP 203.0.113.10:54|del-service -u 203.0.113.10:54
no virtual service FWM 6|zero -f 6
service address: '203.0.113.300:80' is not a numeric IPv4 or IPv6 address|add-service -t 203.0.113.300:80
service address: '203.0.113.50:70000': the port must be a number 0..65535|add-service -t 203.0.113.50:70000
service address: '203.0.113.50:http': the port must be a number 0..65535|add-service -t 203.0.113.50:http
write an IPv6 address in brackets|add-service -t 2001:db8::1:80
'[2001:db8::zz]:80' is not an IPv6 address|add-service -t [2001:db8::zz]:80
firewall mark: '0x10' is not a number|add-service -f 0x10
firewall mark: 0 is out of range|add-service -f 0
weight: 'ten' is not a number|add-server -t 203.0.113.10:80 -r 192.0.2.13 -w ten
weight: 2147483648 is out of range|add-server -t 203.0.113.10:80 -r 192.0.2.13 -w 2147483648
weight: -1 is negative: must be 0 or more|add-server -t 203.0.113.10:80 -r 192.0.2.13 -w -1
tcp timeout: -1 is negative: must be 0 or more|timeouts -1 0 0
tunnel options (--tun-*) need tunnelling (-i)|add-server -t 203.0.113.10:80 -r 192.0.2.13 --tun-type gue --tun-port 6080
scheduler: 'fastest' is not an IPVS scheduler|add-service -t 203.0.113.50:80 -s fastest
-g, -i and -m exclude each other|add-server -t 203.0.113.10:80 -r 192.0.2.13 -g -m
tunnel options (--tun-*) need tunnelling|add-server -t 203.0.113.10:80 -r 192.0.2.13 -m --tun-type gue
GUE needs a port|add-server -t 203.0.113.10:80 -r 192.0.2.13 -i --tun-type gue
tunnel type (--tun-type): 'vxlan'|add-server -t 203.0.113.10:80 -r 192.0.2.13 -i --tun-type vxlan
lower threshold (-y 10) is above the upper one (-x 5)|add-server -t 203.0.113.10:80 -r 192.0.2.13 -m -x 5 -y 10
persistence timeout (-p): 0 is out of range|add-service -t 203.0.113.50:80 -p 0
netmask (-M): '255.0.255.0' is not a contiguous netmask|add-service -t 203.0.113.50:80 -p 60 -M 255.0.255.0
netmask (-M): 129 is out of range|add-service -f 9 -6 -p 60 -M 129
belong to the sh scheduler, not rr|add-service -t 203.0.113.50:80 -s rr -b sh-port
another address family than the service must use tunnelling|add-server -t 203.0.113.10:80 -r [2001:db8:a::13]:80 -m
direct routing and tunnelling keep the service's port (80), not 8080|add-server -t 203.0.113.20:80 -r 192.0.2.77:8080 -g
port 0 (any port) needs a persistent service|add-service -t 203.0.113.50:0 -s rr
missing the real server|quiesce -t 203.0.113.10:80
missing the virtual service|add-server -r 192.0.2.13
unknown option '--weigth'|edit-server -t 203.0.113.10:80 -r 192.0.2.11 --weigth 3
add --yes to confirm|flush
timeouts: give three values|timeouts 900 120
tcp timeout: 'x' is not a number|timeouts x 120 300
edit-service: nothing to change|edit-service -t 203.0.113.10:80
option '-w' does not apply to this command|add-service -t 203.0.113.50:80 -w 3
persistence engine (--pe): 'rtsp'|add-service -u 203.0.113.50:5060 -p 60 --pe rtsp
-6 applies to firewall-mark services only|add-service -t 203.0.113.50:80 -6
EOF
lab_check bad.count test "$n_bad" -ge 25

# Without CAP_NET_ADMIN (root of a new user namespace has none over the
# director's network namespace): the kernel's refusal named,
# nothing changed.
before=$(view)
out=$(unshare -U -r lvstop quiesce -t 203.0.113.20:80 -r 192.0.2.75 2>&1)
rc=$?
case $out in
*CAP_NET_ADMIN*) lab_eq kernel.permission "1 same" "$rc $([ "$before" = "$(view)" ] && echo same)" ;;
*) lab_fail kernel.permission "rc $rc: $out" ;;
esac

# Refused before anything was sent: no audit record; the kernel's refusal
# (the missing module) has one, marked failed.
lab_eq audit.only-kernel-failure 1 "$(wc -l < "$LVSTOP_AUDIT_LOG")"
lab_check audit.failed jq -e '.result == "failed" and (.error | test("ip_vs_nq"))' "$LVSTOP_AUDIT_LOG"
