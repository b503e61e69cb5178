# Every change `lvstop ACTION` makes equals what the same change made with
# ipvsadm makes (ipvsadm is the oracle): the table is built the same way
# twice, changed once by each, and `ipvsadm -Sn`, the thresholds view and
# the timeouts must come out byte-identical, and different from before.
# Then malformed commands: each must fail with a message naming the
# problem and leave the table byte-identical.  Last, the audit log must
# hold one record per change made.
. /lab/lib.sh

lab_have_lvstop || exit 0

export LVSTOP_STATE_FILE=/tmp/lvstop-state.json
export LVSTOP_AUDIT_LOG=/tmp/lvstop-audit.log
rm -f "$LVSTOP_STATE_FILE" "$LVSTOP_AUDIT_LOG"
OK_CHANGES=0 # changes lvstop made successfully (the audit log must list them)

# A table with one of most kinds; no traffic needed for these checks.
setup() {
	ipvsadm -C
	ipvsadm --set 900 120 300
	ipvsadm -A -t 203.0.113.10:80 -s rr &&
	ipvsadm -a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 1 &&
	ipvsadm -a -t 203.0.113.10:80 -r 192.0.2.12:80 -m -w 3 -x 50 -y 5 &&
	ipvsadm -A -t 203.0.113.20:80 -s wrr &&
	ipvsadm -a -t 203.0.113.20:80 -r 192.0.2.75 -g -w 3 &&
	ipvsadm -a -t 203.0.113.20:80 -r 192.0.2.76 -g -w 1 &&
	ipvsadm -A -u 203.0.113.10:53 -s sh -b sh-fallback &&
	ipvsadm -a -u 203.0.113.10:53 -r 192.0.2.11:53 -m &&
	ipvsadm -A -t "[2001:db8:f::10]:80" -s rr &&
	ipvsadm -a -t "[2001:db8:f::10]:80" -r "[2001:db8:a::11]:80" -m &&
	ipvsadm -A -f 5 -s wlc -p 60 &&
	ipvsadm -a -f 5 -r 192.0.2.139:0 -i
}

# The table as ipvsadm sees it, thresholds and timeouts included.
view() {
	ipvsadm -Sn
	ipvsadm -Ln --thresholds
	ipvsadm -L --timeout
}

# same NAME "LVSTOP ARGS" "IPVSADM COMMANDS": the change lvstop makes equals
# the one ipvsadm makes, and it changes something.
same() {
	_name=$1 _mine=$2 _theirs=$3
	setup || { lab_fail "$_name" "setup failed"; return 1; }
	_before=$(view)
	_out=$(eval "lvstop $_mine" 2>&1)
	_rc=$?
	_after=$(view)
	setup
	eval "$_theirs" >/dev/null 2>&1
	_oracle=$(view)
	if [ "$_rc" -ne 0 ]; then
		lab_fail "$_name" "lvstop $_mine exited $_rc: $_out"
	elif [ "$_after" != "$_oracle" ]; then
		lab_fail "$_name" "lvstop: $(echo "$_after" | tr '\n' '|') ipvsadm: $(echo "$_oracle" | tr '\n' '|')"
	elif [ "$_after" = "$_before" ]; then
		lab_fail "$_name" "nothing changed"
	else
		OK_CHANGES=$((OK_CHANGES + 1))
		lab_ok "$_name"
	fi
}

same cli.add-service-tcp "add-service -t 203.0.113.30:8080 -s lc" \
	"ipvsadm -A -t 203.0.113.30:8080 -s lc"
same cli.add-service-udp-flags "add-service -u 203.0.113.30:53 -s sh -b sh-fallback,sh-port -o" \
	"ipvsadm -A -u 203.0.113.30:53 -s sh -b sh-fallback,sh-port -o"
same cli.add-service-sctp-persistent "add-service --sctp-service 203.0.113.30:9000 -s lblcr -p 120 -M 255.255.255.0" \
	"ipvsadm -A --sctp-service 203.0.113.30:9000 -s lblcr -p 120 -M 255.255.255.0"
same cli.add-service-fwm6 "add-service -f 7 -6 -s ovf -p 60 -M 64" \
	"ipvsadm -A -f 7 -6 -s ovf -p 60 -M 64"
same cli.add-service-v6 "add-service -t [2001:db8:f::20]:443 -s mh -b mh-port" \
	"ipvsadm -A -t [2001:db8:f::20]:443 -s mh -b mh-port"
same cli.add-service-default-p "add-service -t 203.0.113.31:0 -p" \
	"ipvsadm -A -t 203.0.113.31:0 -p"
same cli.add-server-masq "add-server -t 203.0.113.10:80 -r 192.0.2.13:8080 -m -w 5 -x 100 -y 10" \
	"ipvsadm -a -t 203.0.113.10:80 -r 192.0.2.13:8080 -m -w 5 -x 100 -y 10"
same cli.add-server-default "add-server -t 203.0.113.20:80 -r 192.0.2.77" \
	"ipvsadm -a -t 203.0.113.20:80 -r 192.0.2.77"
same cli.add-server-gue "add-server -f 5 -r 192.0.2.140 -i --tun-type gue --tun-port 6080 --tun-csum -w 2" \
	"ipvsadm -a -f 5 -r 192.0.2.140:0 -i --tun-type gue --tun-port 6080 --tun-csum -w 2"
same cli.add-server-gre "add-server -f 5 -r 192.0.2.141 -i --tun-type gre --tun-remcsum" \
	"ipvsadm -a -f 5 -r 192.0.2.141:0 -i --tun-type gre --tun-remcsum"
same cli.add-server-v6 "add-server -t [2001:db8:f::10]:80 -r [2001:db8:a::12]:80 -m -w 2" \
	"ipvsadm -a -t [2001:db8:f::10]:80 -r [2001:db8:a::12]:80 -m -w 2"
same cli.add-server-mixed-tunnel "add-server -t [2001:db8:f::10]:80 -r 192.0.2.139 -i" \
	"ipvsadm -a -t [2001:db8:f::10]:80 -r 192.0.2.139:80 -i"
same cli.edit-service "edit-service -t 203.0.113.10:80 -s wlc -p 300" \
	"ipvsadm -E -t 203.0.113.10:80 -s wlc -p 300"
same cli.edit-service-netmask "edit-service -f 5 -M 255.255.0.0" \
	"ipvsadm -E -f 5 -s wlc -p 60 -M 255.255.0.0"
same cli.edit-server-weight "edit-server -t 203.0.113.10:80 -r 192.0.2.11:80 -w 7" \
	"ipvsadm -e -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 7"
same cli.edit-server-thresholds "edit-server -t 203.0.113.10:80 -r 192.0.2.12 -x 80 -y 20" \
	"ipvsadm -e -t 203.0.113.10:80 -r 192.0.2.12:80 -m -w 3 -x 80 -y 20"
same cli.edit-server-method "edit-server -f 5 -r 192.0.2.139 -g" \
	"ipvsadm -e -f 5 -r 192.0.2.139:0 -g -w 1"
same cli.del-server "del-server -t 203.0.113.20:80 -r 192.0.2.76" \
	"ipvsadm -d -t 203.0.113.20:80 -r 192.0.2.76:80"
same cli.del-server-v6 "del-server -t [2001:db8:f::10]:80 -r [2001:db8:a::11]:80" \
	"ipvsadm -d -t [2001:db8:f::10]:80 -r [2001:db8:a::11]:80"
same cli.del-service "del-service -u 203.0.113.10:53" \
	"ipvsadm -D -u 203.0.113.10:53"
same cli.weight-absolute "weight -t 203.0.113.20:80 -r 192.0.2.75 9" \
	"ipvsadm -e -t 203.0.113.20:80 -r 192.0.2.75:80 -g -w 9"
same cli.weight-relative "weight -t 203.0.113.20:80 -r 192.0.2.75 +2" \
	"ipvsadm -e -t 203.0.113.20:80 -r 192.0.2.75:80 -g -w 5"
same cli.weight-relative-clamped "weight -t 203.0.113.20:80 -r 192.0.2.76 -5" \
	"ipvsadm -e -t 203.0.113.20:80 -r 192.0.2.76:80 -g -w 0"
same cli.timeouts "timeouts 910 0 301" "ipvsadm --set 910 120 301"
same cli.flush "flush --yes" "ipvsadm -C"
rm -f "$LVSTOP_STATE_FILE"
same cli.quiesce "quiesce -t 203.0.113.20:80 -r 192.0.2.75" \
	"ipvsadm -e -t 203.0.113.20:80 -r 192.0.2.75:80 -g -w 0"

# Quiesce remembers the weight (in the state file); restore gives it back.
setup
lvstop quiesce -t 203.0.113.20:80 -r 192.0.2.75 >/dev/null && OK_CHANGES=$((OK_CHANGES + 1))
lab_eq quiesce.weight 0 "$(ipvsadm -Sn | awk '$5 == "192.0.2.75:80" { print $8 }')"
lab_check quiesce.state-file grep -q '"weight": 3' "$LVSTOP_STATE_FILE"
lab_check quiesce.again lvstop quiesce -t 203.0.113.20:80 -r 192.0.2.75
lab_check restore lvstop restore -t 203.0.113.20:80 -r 192.0.2.75
OK_CHANGES=$((OK_CHANGES + 1))
lab_eq restore.weight 3 "$(ipvsadm -Sn | awk '$5 == "192.0.2.75:80" { print $8 }')"
out=$(lvstop restore -t 203.0.113.20:80 -r 192.0.2.75 2>&1)
lab_eq restore.nothing-remembered "1 yes" "$? $(echo "$out" | grep -q 'no weight to restore' && echo yes)"

# zero: counters only (no traffic here: the table text must not move).
before=$(view)
lab_check zero lvstop zero
OK_CHANGES=$((OK_CHANGES + 1))
lab_eq zero.table-unchanged "$before" "$(view)"

# Kernel answers, translated: a scheduler whose module cannot be loaded.
rmmod ip_vs_nq 2>/dev/null
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
setup
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
service address: '203.0.113.300' is not an IPv4 address|add-service -t 203.0.113.300:80
service address port: 70000 is out of range|add-service -t 203.0.113.50:70000
service address port: 'http' is not a number|add-service -t 203.0.113.50:http
write an IPv6 address in brackets|add-service -t 2001:db8::1:80
'2001:db8::zz' is not an IPv6 address|add-service -t [2001:db8::zz]:80
firewall mark: '0x10' is not a number|add-service -f 0x10
firewall mark: 0 is out of range|add-service -f 0
weight: 'ten' is not a number|add-server -t 203.0.113.10:80 -r 192.0.2.13 -w ten
weight: 2147483648 is out of range|add-server -t 203.0.113.10:80 -r 192.0.2.13 -w 2147483648
weight: '-1' is not a number|add-server -t 203.0.113.10:80 -r 192.0.2.13 -w -1
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

# The audit log: one JSON record per change lvstop made, with the user.
lab_eq audit.records "$OK_CHANGES" "$(grep -c '"result":"ok"' "$LVSTOP_AUDIT_LOG")"
lab_eq audit.failed-kernel 1 "$(grep -c '"result":"failed"' "$LVSTOP_AUDIT_LOG")"
lab_check audit.json jq -e -s 'all(.[]; .user == "root" and (.time | test("Z$")) and (.before | type) == "array")' "$LVSTOP_AUDIT_LOG"
lab_check audit.quiesce-before-after jq -e -s 'any(.[]; .action == "quiesce" and (.before[0] | test("-w 3")) and (.after[0] | test("-w 0")))' "$LVSTOP_AUDIT_LOG"
lab_check audit.sudo-user sh -c 'SUDO_USER=alice lvstop timeouts 0 0 299 >/dev/null && tail -n 1 "$LVSTOP_AUDIT_LOG" | jq -e ".sudo_user == \"alice\""'
