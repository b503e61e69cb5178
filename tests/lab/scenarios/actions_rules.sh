# Rule files both ways, ipvsadm as the oracle: `ipvsadm -Sn` output loads
# with `lvstop load` into an empty table and reproduces it exactly;
# `lvstop save` prints exactly what `ipvsadm -Sn` prints, and its output
# loads with `ipvsadm -R` the same way.  The table covers TCP, UDP, SCTP,
# firewall marks (IPv4 and IPv6), IPv6, every forwarding method and tunnel
# type, persistence with netmasks, scheduler flags, one-packet scheduling
# and thresholds (which ipvsadm -S leaves out: `save --full` keeps them).
# A load that fails part-way (in the kernel) leaves the table as it was.
. /lab/lib.sh

lab_have_lvstop || exit 0

export LVSTOP_STATE_FILE=/tmp/lvstop-state.json
export LVSTOP_AUDIT_LOG=/tmp/lvstop-audit.log

build() {
	ipvsadm -C
	# Addresses chosen so that libipvs's wrapping sort shows: 10.x after 203.x.
	ipvsadm -A -t 203.0.113.10:80 -s rr &&
	ipvsadm -a -t 203.0.113.10:80 -r 192.0.2.12:8080 -m -w 2 -x 100 -y 10 &&
	ipvsadm -a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 1 &&
	ipvsadm -a -t 203.0.113.10:80 -r 10.0.0.1:80 -m -w 4 &&
	ipvsadm -A -t 10.1.1.1:443 -s wlc -p 600 -M 255.255.255.0 &&
	ipvsadm -A -t 250.1.1.1:443 -s lc -p &&
	ipvsadm -a -t 250.1.1.1:443 -r 192.0.2.75 -g -w 3 &&
	ipvsadm -A -t 203.0.113.16:80 -s wrr -p 300 -M 255.255.255.255 &&
	ipvsadm -A -u 203.0.113.13:53 -s sh -b sh-fallback,sh-port -o &&
	ipvsadm -a -u 203.0.113.13:53 -r 192.0.2.11:53 -i -w 1 -x 5 &&
	ipvsadm -a -u 203.0.113.13:53 -r 192.0.2.12:53 -i --tun-type gue --tun-port 6080 --tun-nocsum &&
	ipvsadm -a -u 203.0.113.13:53 -r 192.0.2.13:53 -i --tun-type gre --tun-csum &&
	ipvsadm -a -u 203.0.113.13:53 -r 192.0.2.14:53 -i --tun-type gue --tun-port 6081 --tun-remcsum &&
	ipvsadm -a -u 203.0.113.13:53 -r 192.0.2.15:53 -i --tun-type gre &&
	ipvsadm -A --sctp-service 203.0.113.14:9000 -s lblcr &&
	ipvsadm -a --sctp-service 203.0.113.14:9000 -r 192.0.2.11 -m -w 0 &&
	ipvsadm -A -f 42 -s mh -b mh-fallback,mh-port &&
	ipvsadm -a -f 42 -r 192.0.2.11:0 -g &&
	ipvsadm -a -f 42 -r 192.0.2.12:0 -m -w 7 &&
	ipvsadm -A -f 43 -6 -s ovf -p 120 -M 64 &&
	ipvsadm -a -f 43 -6 -r "[2001:db8:a::11]:0" -g -x 1000 -y 900 &&
	ipvsadm -A -f 7 -s dh -b flag-1 &&
	ipvsadm -A -t "[2001:db8:f::10]:80" -s sed &&
	ipvsadm -a -t "[2001:db8:f::10]:80" -r "[2001:db8:a::12]:80" -m &&
	ipvsadm -a -t "[2001:db8:f::10]:80" -r "[2001:db8:a::11]:80" -m -w 2 &&
	ipvsadm -a -t "[2001:db8:f::10]:80" -r 192.0.2.20:80 -i &&
	ipvsadm -A -t "[2001:db8:f::11]:443" -s nq -p 60 -M 48 &&
	ipvsadm -A -u "[2001:db8:f::12]:53" -s fo &&
	ipvsadm -a -u "[2001:db8:f::12]:53" -r "[2001:db8:a::13]:53" -g
}

lab_check rules.build build
ipvsadm -Sn > /tmp/oracle.rules
thresh_oracle=$(ipvsadm -Ln --thresholds)
lab_check rules.nonempty test "$(wc -l < /tmp/oracle.rules)" -ge 25

# lvstop save prints exactly what ipvsadm -Sn prints.
lvstop save > /tmp/mine.rules
lab_check save.exit test $? -eq 0
if cmp -s /tmp/oracle.rules /tmp/mine.rules; then
	lab_ok save.identical
else
	lab_fail save.identical "$(diff /tmp/oracle.rules /tmp/mine.rules | head -n 8)"
fi

# ipvsadm -Sn output, loaded by lvstop into an empty table.
ipvsadm -C
lab_check load.oracle lvstop load /tmp/oracle.rules
ipvsadm -Sn > /tmp/after-load.rules
if cmp -s /tmp/oracle.rules /tmp/after-load.rules; then
	lab_ok load.reproduces
else
	lab_fail load.reproduces "$(diff /tmp/oracle.rules /tmp/after-load.rules | head -n 8)"
fi

# lvstop save output, loaded by ipvsadm -R into an empty table.
ipvsadm -C
lab_check restore.ipvsadm sh -c 'ipvsadm -R < /tmp/mine.rules'
ipvsadm -Sn > /tmp/after-restore.rules
if cmp -s /tmp/oracle.rules /tmp/after-restore.rules; then
	lab_ok restore.reproduces
else
	lab_fail restore.reproduces "$(diff /tmp/oracle.rules /tmp/after-restore.rules | head -n 8)"
fi

# save --full keeps the thresholds; both loaders bring them back.
build
lvstop save --full > /tmp/full.rules
ipvsadm -C
lab_check load.full lvstop load /tmp/full.rules
lab_eq load.full-thresholds "$thresh_oracle" "$(ipvsadm -Ln --thresholds)"
ipvsadm -C
ipvsadm -R < /tmp/full.rules
lab_eq restore.full-thresholds "$thresh_oracle" "$(ipvsadm -Ln --thresholds)"

# Standard input, and --flush: replace a table in one transaction.
ipvsadm -C
ipvsadm -A -t 198.51.100.200:80 -s rr
lab_check load.stdin-flush sh -c 'lvstop load --flush - < /tmp/oracle.rules'
lab_eq load.flush-replaced "$(cat /tmp/oracle.rules)" "$(ipvsadm -Sn)"

# A mark from 2^31 up: ipvsadm -S prints it with %d (negative, and first in
# its order); lvstop save prints the same, and lvstop load reads it back
# (ipvsadm -R itself refuses such a line: "invalid fwmark value").
build
ipvsadm -A -f 4294967295 -s rr
ipvsadm -a -f 4294967295 -r 192.0.2.11:0 -g
ipvsadm -Sn > /tmp/oracle-mark.rules
lvstop save > /tmp/mine-mark.rules
lab_check mark.negative grep -q '^-A -f -1 -s rr$' /tmp/oracle-mark.rules
if cmp -s /tmp/oracle-mark.rules /tmp/mine-mark.rules; then
	lab_ok mark.save-identical
else
	lab_fail mark.save-identical "$(diff /tmp/oracle-mark.rules /tmp/mine-mark.rules | head -n 8)"
fi
ipvsadm -C
lab_check mark.load lvstop load /tmp/oracle-mark.rules
lab_eq mark.load-reproduces "$(cat /tmp/oracle-mark.rules)" "$(ipvsadm -Sn)"

# A load the kernel refuses at its last step rolls back: the scheduler nq
# cannot be loaded (module removed, module loading off).
build
before=$(ipvsadm -Sn; ipvsadm -Ln --thresholds)
cat > /tmp/bad.rules <<'EOF'
# new services and servers, then one the kernel refuses
-A -t 198.51.100.50:80 -s rr
-a -t 198.51.100.50:80 -r 192.0.2.11:80 -m -w 1
-a -t 203.0.113.10:80 -r 192.0.2.99:80 -m -w 1
-D -t 203.0.113.16:80
-d -f 42 -r 192.0.2.12:0
-e -t 250.1.1.1:443 -r 192.0.2.75:443 -g -w 9
-A -t 198.51.100.51:80 -s nq
EOF
ipvsadm -D -t "[2001:db8:f::11]:443"
before=$(ipvsadm -Sn; ipvsadm -Ln --thresholds)
# The module goes once no service uses it (references drop after a grace period).
i=0
while grep -q '^ip_vs_nq ' /proc/modules && [ "$i" -lt 20 ]; do
	rmmod ip_vs_nq 2>/dev/null || sleep 0.2
	i=$((i + 1))
done
saved=$(cat /proc/sys/kernel/modprobe)
echo /bin/false > /proc/sys/kernel/modprobe
out=$(lvstop load /tmp/bad.rules 2>&1)
rc=$?
echo "$saved" > /proc/sys/kernel/modprobe
lab_eq load.kernel-failure-exit 1 "$rc"
case $out in
*"ip_vs_nq"*"step 7 of 7"*"undone"*) lab_ok load.kernel-failure-message ;;
*) lab_fail load.kernel-failure-message "$out" ;;
esac
lab_eq load.rolled-back "$before" "$(ipvsadm -Sn; ipvsadm -Ln --thresholds)"

# A file with a bad line is refused before anything is sent.
build
before=$(ipvsadm -Sn)
printf '%s\n' '-A -t 198.51.100.52:80 -s rr' '-a -t 198.51.100.52:80 -r 192.0.2.11:80 -m -w x' > /tmp/bad2.rules
out=$(lvstop load /tmp/bad2.rules 2>&1)
lab_eq load.bad-line "2 yes" "$? $(echo "$out" | grep -q "line 2: weight: 'x' is not a number" && echo yes)"
printf '%s\n' '-A -t 198.51.100.52:80 -s rr' '-a -t 198.51.100.53:80 -r 192.0.2.11:80 -m' > /tmp/bad3.rules
out=$(lvstop load /tmp/bad3.rules 2>&1)
lab_eq load.unknown-service "1 yes" "$? $(echo "$out" | grep -q "line 2: no virtual service TCP 198.51.100.53:80" && echo yes)"
lab_eq load.bad-untouched "$before" "$(ipvsadm -Sn)"
