# lvsd against the real kernel: after real traffic through NAT (IPv4,
# IPv6, a persistent service) and DR, plus firewall-mark services in both
# families, every value lvsd exports equals ipvsadm's for the same object
# (-Ln --stats --exact, -Ln, --persistent-conn, --thresholds, -Lnc).
# Then a real server's httpd stops: its HTTP check turns it down within
# interval x fall (plus one poll to reach /metrics) and, the service having
# quiesce_on_failure, its weight goes to 0 (audited); restarted, it is up
# again with its weight back. The scraped body is printed between markers
# for tests/lab/host/lvsd.sh, which runs promtool over it on the host.
. /lab/lib.sh

if ! command -v lvsd >/dev/null 2>&1; then
	lab_fail lvsd.present "build/lvsd is not in the image (run make first)"
	exit 0
fi
lab_check topology.nat lab_nat || exit 0
lab_check topology.dr lab_dr || exit 0

# A persistent service, thresholds on one real server, fwmark services.
P=81
lab_check setup.persistent sh -c "ipvsadm -A -t $LAB_NAT_VIP:$P -s rr -p 60 &&
	ipvsadm -a -t $LAB_NAT_VIP:$P -r 192.0.2.11:80 -m -w 1 &&
	ipvsadm -a -t $LAB_NAT_VIP:$P -r 192.0.2.12:80 -m -w 2"
lab_check setup.thresholds ipvsadm -e -t "$LAB_NAT_VIP:80" -r 192.0.2.12:80 -m -w 1 -x 100 -y 10
lab_check setup.fwmark sh -c "ipvsadm -A -f 1 -s rr && ipvsadm -a -f 1 -r 192.0.2.11:80 -m &&
	ipvsadm -A -f 1 -6 -s rr && ipvsadm -a -f 1 -6 -r [2001:db8:a::12]:80 -m"

cat > /tmp/lvsd.conf <<EOC
daemon = { interval = 2.0; };
exporter = { listen = "127.0.0.1:9587"; };
health = { default = { type = "tcp"; interval = 1.0; timeout = 1.0; rise = 1; fall = 2; }; };
services = (
  { service = "tcp:$LAB_NAT_VIP:80";
    quiesce_on_failure = true;
    check = { type = "http"; path = "/"; expect_status = 200; expect_body = "nat";
              interval = 1.0; timeout = 1.0; rise = 1; fall = 2; }; }
);
EOC
LVSTOP_STATE_FILE=/tmp/lvstop-state.json LVSTOP_AUDIT_LOG=/tmp/lvstop-audit.log \
	lvsd --config /tmp/lvsd.conf 2>/tmp/lvsd.log &
LVSD=$!
URL=http://127.0.0.1:9587/metrics
scrape() { wget -O - "$URL" 2>/dev/null; }
up=0
i=0
while [ $i -lt 30 ]; do
	scrape | grep -q '^ipvs_up 1$' && { up=1; break; }
	sleep 0.5
	i=$((i + 1))
done
lab_eq lvsd.ipvs-up 1 "$up" || { cat /tmp/lvsd.log; exit 0; }
# No transparent huge pages for lvsd (a huge page makes 2 MiB resident
# at the first write into it; the guest's kernel has them "always").
lab_eq lvsd.no-huge-pages 0 "$(awk '$1 == "THP_enabled:" { print $2 }' /proc/$LVSD/status)"

# Real traffic, then past one estimator refresh and one lvsd poll.
lab_check traffic.nat lab_traffic "$LAB_NAT_VIP" 80 10
lab_check traffic.nat6 lab_traffic "$LAB_NAT_VIP6" 80 4
lab_check traffic.persistent lab_traffic "$LAB_NAT_VIP" "$P" 3
lab_check traffic.dr lab_traffic "$LAB_DR_VIP" 80 8
sleep 5

scrape > /tmp/m.txt
ipvsadm -Ln --stats --exact > /tmp/stats.txt
ipvsadm -Ln > /tmp/list.txt
ipvsadm -Ln --persistent-conn > /tmp/persist.txt
ipvsadm -Ln --thresholds > /tmp/thresh.txt
ipvsadm -Lnc > /tmp/conns.txt

# The real servers' kernel rates, fresh from the traffic: lvstop --json
# reads the estimator's values as ipvsadm does (compared when two ipvsadm
# reads around it agree, no refresh between). lvsd keeps none (it exports
# counters): its document has the services' "rates" only.
rs_rates() {
	ipvsadm -Ln --rate --exact | awk -v s="$LAB_NAT_VIP:80" \
		'$1 == "TCP" { in_s = ($2 == s) } in_s && $1 == "->" { print $2, $3, $4, $5, $6, $7 }' | sort
}
agreed=0
i=0
while [ $i -lt 8 ] && [ $agreed = 0 ]; do
	a=$(rs_rates)
	lvstop --json --no-conns > /tmp/rates.json
	b=$(rs_rates)
	[ "$a" = "$b" ] && agreed=1
	i=$((i + 1))
done
lab_eq rates.reads-agreed 1 "$agreed"
j=$(jq -r --arg s "$LAB_NAT_VIP" '.services[] | select(.address == $s and .port == 80) |
	.real_servers[] | "\(.address):\(.port) \(.rates.cps) \(.rates.inpps) \(.rates.outpps) \(.rates.inbps) \(.rates.outbps)"' \
	/tmp/rates.json | sort)
lab_eq rates.real-servers-as-ipvsadm "$a" "$j"
# (not all zeros: the comparison above saw real values)
lab_eq rates.some-traffic 1 "$(echo "$a" | awk '{ s += $2 + $3 + $4 + $5 + $6 } END { print (s > 0) }')"
wget -O /tmp/snap-rates.json "${URL%/metrics}/api/v1/snapshot" 2>/dev/null
lab_eq rates.lvsd-services-have-rates true \
	"$(jq '[.services[] | has("rates")] | all' /tmp/snap-rates.json)"
lab_eq rates.lvsd-real-servers-have-none false \
	"$(jq '[.services[].real_servers[] | has("rates")] | any' /tmp/snap-rates.json)"
# The console on a recording of that document: a real server's detail
# says its source kept no kernel rates (console.sh sees the kernel
# source's own there).
if command -v tmux >/dev/null 2>&1; then
	jq -c . /tmp/snap-rates.json > /tmp/lvsd-rec.jsonl
	TERM=xterm LC_ALL=C.UTF-8 tmux new-session -d -s lvrec -x 160 -y 50 \
		"sh -c 'lvstop --replay /tmp/lvsd-rec.jsonl --read-only; sleep 600'"
	rec_screen() { tmux capture-pane -p -t lvrec; }
	rec_keys() { tmux send-keys -t lvrec "$@"; sleep 1; }
	i=0
	until rec_screen | grep -q 'F1Help' || [ $i -ge 30 ]; do sleep 1; i=$((i + 1)); done
	rec_keys /
	rec_keys 192.0.2.12:80
	rec_keys Enter
	rec_keys Down
	rec_keys Enter
	if rec_screen | grep -q 'Rates (kernel) *- (not kept by'; then
		lab_ok rates.console-detail-none-kept
	else
		lab_fail rates.console-detail-none-kept "$(rec_screen | grep -E 'Real server|Virtual|Rates' | tr '\n' '|')"
	fi
	tmux kill-session -t lvrec
else
	lab_fail rates.console-tmux "tmux is not in the image"
fi

# expect MODE < ipvsadm-output: the series lvsd must export, as exposition
# lines ("name{labels} value"), labels built the way lvsd builds them.
expect() {
	awk -v mode="$1" '
	function svc(proto, a,   i, addr, port) {
		if (proto == "FWM")
			return "service=\"" (v6 ? "fwm6:" : "fwm:") a "\",protocol=\"fwm\",fwmark=\"" a \
				"\",family=\"" (v6 ? "ipv6" : "ipv4") "\""
		i = match(a, /:[0-9]+$/)
		addr = substr(a, 1, i - 1)
		port = substr(a, i + 1)
		gsub(/[][]/, "", addr)
		return "service=\"" a "\",protocol=\"" tolower(proto) "\",address=\"" addr "\",port=\"" port "\""
	}
	function dst(a,   i, addr, port) {
		i = match(a, /:[0-9]+$/)
		addr = substr(a, 1, i - 1)
		port = substr(a, i + 1)
		gsub(/[][]/, "", addr)
		return ",real_address=\"" addr "\",real_port=\"" port "\""
	}
	BEGIN { split("connections_total incoming_packets_total outgoing_packets_total incoming_bytes_total outgoing_bytes_total", st, " ") }
	/^IP Virtual Server/ || /^Prot / || /RemoteAddress/ { next }
	$1 ~ /^(TCP|UDP|SCTP|FWM)$/ {
		v6 = ($3 == "IPv6")
		S = svc($1, $2)
		f = v6 ? 4 : 3
		if (mode == "stats")
			for (k = 1; k <= 5; k++)
				print "ipvs_service_" st[k] "{" S "} " $(f + k - 1)
		next
	}
	$1 == "->" {
		L = "{" S dst($2) "} "
		if (mode == "stats")
			for (k = 1; k <= 5; k++)
				print "ipvs_real_server_" st[k] L $(3 + k - 1)
		if (mode == "list") {
			print "ipvs_real_server_weight" L $4
			print "ipvs_real_server_active_connections" L $5
			print "ipvs_real_server_inactive_connections" L $6
		}
		if (mode == "persist")
			print "ipvs_real_server_persistent_connections" L $4
		if (mode == "thresh") {
			print "ipvs_real_server_upper_threshold" L $3
			print "ipvs_real_server_lower_threshold" L $4
		}
	}'
}

# compare NAME MODE FILE: every expected line is in the scrape, verbatim.
compare() {
	expect "$2" < "$3" > "/tmp/want.$2"
	n=$(grep -c . "/tmp/want.$2")
	miss=$(grep -Fxv -f /tmp/m.txt "/tmp/want.$2" | head -n 2)
	if [ "$n" -gt 0 ] && [ -z "$miss" ]; then
		lab_ok "$1"
		return 0
	fi
	# Show what lvsd has for the first missing series.
	key=$(echo "$miss" | head -n 1 | sed 's/ [^ ]*$//')
	have=$(grep -F "$key " /tmp/m.txt | head -n 1)
	lab_fail "$1" "$n expected; missing: $(echo "$miss" | head -n 1); lvsd has: ${have:-nothing}"
}

# The traffic reached the counters (so the comparisons are not of zeros).
lab_eq oracle.nat-conns 10 "$(awk -v s="$LAB_NAT_VIP:80" '$2 == s { print $3 }' /tmp/stats.txt)"
compare lvsd.stats-equal-ipvsadm-exact stats /tmp/stats.txt
compare lvsd.weights-and-conns-equal-ipvsadm list /tmp/list.txt
compare lvsd.persistent-conns-equal-ipvsadm persist /tmp/persist.txt
compare lvsd.thresholds-equal-ipvsadm thresh /tmp/thresh.txt
lab_eq lvsd.persistent-nonzero 1 "$(awk '$1 == "->" { n += $4 } END { print n + 0 }' /tmp/persist.txt)"
lab_eq lvsd.services "$(grep -cE '^(TCP|UDP|SCTP|FWM) ' /tmp/list.txt)" \
	"$(awk '$1 == "ipvs_services" { print $2 }' /tmp/m.txt)"
lab_eq lvsd.real-servers "$(grep -c '^  -> [0-9[]' /tmp/list.txt)" \
	"$(awk '$1 == "ipvs_real_servers" { print $2 }' /tmp/m.txt)"
lab_eq lvsd.version "$(sed -n 's/^IP Virtual Server version \([0-9.]*\) .*/\1/p' /tmp/list.txt)" \
	"$(sed -n 's/^ipvs_version_info{version="\(.*\)"} 1$/\1/p' /tmp/m.txt)"
lab_eq lvsd.global-conns "$(awk '$1 ~ /^(TCP|UDP|SCTP|FWM)$/ { n += ($3 == "IPv6") ? $4 : $3 } END { print n }' /tmp/stats.txt)" \
	"$(awk '$1 == "ipvs_connections_total" { print $2 }' /tmp/m.txt)"
lab_eq lvsd.time-wait-entries "$(awk '$3 == "TIME_WAIT" { n++ } END { print n + 0 }' /tmp/conns.txt)" \
	"$(sed -n 's/^ipvs_connection_entries{state="TIME_WAIT"} //p' /tmp/m.txt)"
# The body from the real kernel, linted here the way promtool lints
# (promtool itself runs on the host over the same body, below):
# HELP and TYPE before every family, counters and only counters in
# _total, no series twice, every value a number.
lint=$(awk '
	/^# HELP / { help[$3] = 1; next }
	/^# TYPE / { type[$3] = $4; fam = $3
		if (!help[$3]) { print "no HELP for " $3; exit }
		if (($4 == "counter") != ($3 ~ /_total$/)) { print "bad _total on " $4 " " $3; exit }
		next }
	/^#/ { next }
	{ key = $0; sub(/ [^ ]*$/, "", key); name = key; sub(/[{].*/, "", name)
		if (name != fam) { print "sample " name " outside its family " fam; exit }
		if (seen[key]++) { print "duplicate " key; exit }
		if ($NF !~ /^-?[0-9.e+]+$/ && $NF != "NaN") { print "bad value in " $0; exit } }
' /tmp/m.txt)
lab_eq lvsd.body-lints-clean "" "$lint"
# The same body goes to the host on the serial console, where
# tests/lab/host/lvsd.sh runs promtool over it.
echo "LAB body-begin metrics"
cat /tmp/m.txt
echo "LAB body-end metrics"
lab_eq lvsd.fwmark-both-families 2 "$(grep -c '^ipvs_service_info{service="fwm6\{0,1\}:1"' /tmp/m.txt)"

# --- health: stop nat1's httpd, then start it again ------------------------
H='lvsd_real_server_healthy{service="'$LAB_NAT_VIP':80",protocol="tcp",address="'$LAB_NAT_VIP'",port="80",real_address="192.0.2.11",real_port="80"}'
health() { scrape | awk -v k="$H" 'index($0, k " ") == 1 { print $2 }'; }
lab_eq health.nat1-up 1 "$(health)"
# wait_health VALUE: seconds until the series shows VALUE (99: never, 20 s)
wait_health() {
	t0=$(date +%s)
	while [ $(($(date +%s) - t0)) -lt 20 ]; do
		[ "$(health)" = "$1" ] && { echo $(($(date +%s) - t0)); return 0; }
		sleep 0.5
	done
	echo 99
}
hp=$(ps | awk '/httpd -p 80 -h \/srv\/nat1$/ && !/awk/ { print $1 }')
kill $hp
took=$(wait_health 0)
# interval 1 s x fall 2, plus one 2 s poll to reach /metrics, plus 1 s
# of whole-second clock granularity.
if [ "$took" -le 5 ]; then
	lab_ok health.nat1-down-within-interval-x-fall
else
	lab_fail health.nat1-down-within-interval-x-fall "took ${took}s (limit 5)"
fi
# why: the snapshot says the stopped httpd refuses connections
wget -O /tmp/snap-down.json "${URL%/metrics}/api/v1/snapshot" 2>/dev/null
lab_check health.reason-in-snapshot grep -q '"health_reason":"connection refused"' /tmp/snap-down.json
# weight SERVICE SERVER: the real server's weight as ipvsadm shows it.
weight() {
	ipvsadm -Ln | awk -v s="$1" -v r="$2" '$1 ~ /^(TCP|UDP|SCTP|FWM)$/ { in_s = ($2 == s) } in_s && $1 == "->" && $2 == r { print $4 }'
}
# wait_weight VALUE: seconds until nat1's weight in the NAT service is VALUE
wait_weight() {
	t0=$(date +%s)
	while [ $(($(date +%s) - t0)) -lt 10 ]; do
		[ "$(weight "$LAB_NAT_VIP:80" 192.0.2.11:80)" = "$1" ] && { echo $(($(date +%s) - t0)); return 0; }
		sleep 0.5
	done
	echo 99
}
took=$(wait_weight 0)
if [ "$took" -le 3 ]; then lab_ok quiesce.nat1-weight-0; else
	lab_fail quiesce.nat1-weight-0 "weight is $(weight "$LAB_NAT_VIP:80" 192.0.2.11:80) after 10 s"; fi
lab_eq quiesce.other-service-untouched 1 "$(weight "$LAB_NAT_VIP:$P" 192.0.2.11:80)"
lab_check quiesce.audited grep -q '"source":"lvsd".*"action":"quiesce"\|"action":"quiesce".*"source":"lvsd"' /tmp/lvstop-audit.log
lab_eq health.nat2-stays-up 1 "$(scrape | awk -v k="$(echo "$H" | sed 's/192.0.2.11/192.0.2.12/')" 'index($0, k " ") == 1 { print $2 }')"
lab_in nat1 httpd -p 80 -h /srv/nat1
took=$(wait_health 1)
if [ "$took" -le 5 ]; then
	lab_ok health.nat1-up-again
else
	lab_fail health.nat1-up-again "took ${took}s (limit 5)"
fi
took=$(wait_weight 1)
if [ "$took" -le 3 ]; then lab_ok quiesce.nat1-weight-restored; else
	lab_fail quiesce.nat1-weight-restored "weight is $(weight "$LAB_NAT_VIP:80" 192.0.2.11:80) after 10 s"; fi
grep -q 'health: 192.0.2.11:80 (http check) up -> down' /tmp/lvsd.log &&
	lab_ok health.transition-logged || lab_fail health.transition-logged "$(tail -n 3 /tmp/lvsd.log | tr '\n' '|')"
grep -q 'health: 192.0.2.11:80 (http check) up -> down: connection refused (connect: Connection refused)' /tmp/lvsd.log &&
	lab_ok health.transition-says-why || lab_fail health.transition-says-why "$(grep 'up -> down' /tmp/lvsd.log | tail -n 2 | tr '\n' '|')"

# --- reload and stop ------------------------------------------------------------
echo 'daemon = { interval = 0; };' > /tmp/lvsd.conf
kill -HUP "$LVSD"
sleep 1
lab_eq lvsd.bad-reload-keeps-serving 1 "$(scrape | awk '$1 == "ipvs_up" { print $2 }')"
grep -q '/tmp/lvsd.conf:1: interval must be more than zero' /tmp/lvsd.log &&
	lab_ok lvsd.bad-reload-names-line || lab_fail lvsd.bad-reload-names-line "$(tail -n 2 /tmp/lvsd.log | tr '\n' '|')"
kill -TERM "$LVSD"
wait "$LVSD"
lab_eq lvsd.sigterm-exit 0 "$?"
