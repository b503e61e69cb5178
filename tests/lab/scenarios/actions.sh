# Every change `lvstop ACTION` makes equals what the same change made with
# ipvsadm makes (ipvsadm is the oracle): the table is built the same way
# twice, changed once by each, and `ipvsadm -Sn`, the thresholds view and
# the timeouts must come out byte-identical, and different from before.
# Quiesce and restore keep the weight in the state file.  Last, the audit
# log must hold one record per change made.  (Malformed commands:
# actions_bad.sh.)
. /lab/lib.sh

lab_have_lvstop || exit 0

export LVSTOP_STATE_FILE=/tmp/lvstop-state.json
export LVSTOP_AUDIT_LOG=/tmp/lvstop-audit.log
rm -f "$LVSTOP_STATE_FILE" "$LVSTOP_AUDIT_LOG"
OK_CHANGES=0 # changes lvstop made successfully (the audit log must list them)

# A table with one of most kinds; no traffic needed for these checks.
build() {
	ipvsadm -C
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
build || lab_fail setup.build "ipvsadm could not build the table"
ipvsadm -Sn > /tmp/setup.rules
# setup: the same table again, in three commands (ipvsadm -S leaves the
# thresholds out, so they are set again).
setup() {
	ipvsadm -C && ipvsadm -R < /tmp/setup.rules &&
	ipvsadm -e -t 203.0.113.10:80 -r 192.0.2.12:80 -m -w 3 -x 50 -y 5 &&
	ipvsadm --set 900 120 300
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
same cli.add-server-gre "add-server -f 5 -r 192.0.2.141 -i --tun-type gre --tun-csum" \
	"ipvsadm -a -f 5 -r 192.0.2.141:0 -i --tun-type gre --tun-csum"
same cli.add-server-v6 "add-server -t [2001:db8:f::10]:80 -r [2001:db8:a::12]:80 -m -w 2" \
	"ipvsadm -a -t [2001:db8:f::10]:80 -r [2001:db8:a::12]:80 -m -w 2"
same cli.add-server-mixed-tunnel "add-server -t [2001:db8:f::10]:80 -r 192.0.2.139 -i" \
	"ipvsadm -a -t [2001:db8:f::10]:80 -r 192.0.2.139:80 -i"
same cli.edit-service "edit-service -t 203.0.113.10:80 -s wlc -p 300" \
	"ipvsadm -E -t 203.0.113.10:80 -s wlc -p 300"
same cli.edit-service-netmask "edit-service -f 5 -M 255.255.0.0" \
	"ipvsadm -E -f 5 -s wlc -p 60 -M 255.255.0.0"
same cli.edit-service-no-persistent "edit-service -f 5 --no-persistent" \
	"ipvsadm -E -f 5 -s wlc"
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
lab_check quiesce.state-file jq -e '.servers[] | select(.service == "TCP 203.0.113.20:80" and .server == "192.0.2.75:80") | .weight == 3' "$LVSTOP_STATE_FILE"
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

# Sync daemons: lvstop's start equals ipvsadm's (ipvsadm -L --daemon).
$IP link add sync0 type dummy && $IP link set sync0 multicast on up
lab_check daemon.start lvstop start-daemon master --mcast-interface sync0 --syncid 7 --mcast-port 8850 --mcast-ttl 2
OK_CHANGES=$((OK_CHANGES + 1))
mine=$(ipvsadm -L --daemon)
ipvsadm --stop-daemon master
ipvsadm --start-daemon master --mcast-interface sync0 --syncid 7 --mcast-port 8850 --mcast-ttl 2
oracle=$(ipvsadm -L --daemon)
lab_eq daemon.same-as-ipvsadm "$oracle" "$mine"
lab_check daemon.running test -n "$mine"
out=$(lvstop start-daemon master --mcast-interface sync0 --syncid 8 2>&1)
lab_eq daemon.runs-already "1 yes" "$? $(echo "$out" | grep -q 'the master sync daemon runs already' && echo yes)"
lab_check daemon.stop lvstop stop-daemon master
OK_CHANGES=$((OK_CHANGES + 1))
lab_eq daemon.stopped "" "$(ipvsadm -L --daemon)"
out=$(lvstop stop-daemon backup 2>&1)
lab_eq daemon.none-to-stop "1 yes" "$? $(echo "$out" | grep -q 'no backup sync daemon runs' && echo yes)"

# The audit log: one JSON record per change lvstop made, with the user.
lab_eq audit.records "$OK_CHANGES" "$(grep -c '"result":"ok"' "$LVSTOP_AUDIT_LOG")"
lab_eq audit.no-failures 0 "$(grep -c '"result":"failed' "$LVSTOP_AUDIT_LOG")"
lab_check audit.json jq -e -s 'all(.[]; .user == "root" and (.time | test("Z$")) and (.before | type) == "array")' "$LVSTOP_AUDIT_LOG"
lab_check audit.quiesce-before-after jq -e -s 'any(.[]; .action == "quiesce" and (.before[0] | test("-w 3")) and (.after[0] | test("-w 0")))' "$LVSTOP_AUDIT_LOG"
lab_check audit.sudo-user sh -c 'SUDO_USER=alice lvstop timeouts 0 0 299 >/dev/null && tail -n 1 "$LVSTOP_AUDIT_LOG" | jq -e ".sudo_user == \"alice\""'
