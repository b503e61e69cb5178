# lvsd's rrd history against the real kernel. lvsd writes a file per
# service and per real server of the NAT topology (IPv4, IPv6) plus an
# IPv4 firewall-mark service; after real traffic, the rates `rrdtool fetch`
# reads, summed over the rows and multiplied by the step, give back exactly
# the increase of the kernel's counters (ipvsadm -Ln --stats --exact) since
# lvsd's first write; a graph URL answers a PNG; the status page lists
# every service ipvsadm lists; /api/v1/history has the same rows.
. /lab/lib.sh

if ! command -v lvsd >/dev/null 2>&1; then
	lab_fail lvsd.present "build/lvsd is not in the image (run make first)"
	exit 0
fi
if ! command -v rrdtool >/dev/null 2>&1; then
	lab_fail rrdtool.present "rrdtool is not in the image (apt-get install rrdtool, then make)"
	exit 0
fi
lab_check topology.nat lab_nat || exit 0
lab_check setup.fwmark sh -c "ipvsadm -A -f 7 -s rr && ipvsadm -a -f 7 -r 192.0.2.11:80 -m"

# The counters before lvsd's first write: everything after it must show up
# in the rrd rows.
ipvsadm -Ln --stats --exact > /tmp/before.txt

cat > /tmp/lvsd.conf <<EOC
daemon = { interval = 2.0; };
exporter = { listen = "127.0.0.1:9587"; };
health = { default_checks = false; };
history = { directory = "/tmp/rrd"; real_servers = true; };
EOC
lvsd --config /tmp/lvsd.conf 2>/tmp/lvsd.log &
LVSD=$!
BASE=http://127.0.0.1:9587
get() { wget -O - "$BASE$1" 2>/dev/null; }
metric() { get /metrics | awk -v k="$1" '$1 == k { print $2 }'; }

# One pass written: every file exists and has its first (unknown) row.
i=0
while [ $i -lt 40 ]; do
	n=$(metric lvsd_history_updates_total)
	[ "${n:-0}" -ge 7 ] && break
	sleep 0.5
	i=$((i + 1))
done
lab_check history.first-pass test "${n:-0}" -ge 7 || { cat /tmp/lvsd.log; exit 0; }
# Past the next step boundary, so that traffic falls in rows after the first.
sleep 10

V4=tcp-203.0.113.10-80
V6=tcp-2001_db8_f__10-80
for f in $V4.rrd $V4/192.0.2.11-80.rrd $V4/192.0.2.12-80.rrd $V6.rrd \
	$V6/2001_db8_a__11-80.rrd $V6/2001_db8_a__12-80.rrd fwm-7.rrd fwm-7/192.0.2.11-80.rrd; do
	lab_check "file.$f" test -s "/tmp/rrd/$f"
done

lab_check traffic.nat lab_traffic "$LAB_NAT_VIP" 80 12
lab_check traffic.nat6 lab_traffic "$LAB_NAT_VIP6" 80 5
lab_wait_stats

ipvsadm -Ln --stats --exact > /tmp/after.txt
# increase OBJ COLUMN: counter increase of a service ("TCP 203.0.113.10:80")
# or a real server line ("-> 192.0.2.11:80" within the v4 service) between
# the two readings. Columns: 3 conns, 4 inpkts, 5 outpkts, 6 inbytes, 7 outbytes.
counter() { # FILE SERVICE RS COLUMN
	awk -v svc="$2" -v rs="$3" -v c="$4" '
		$1 != "->" { cur = $1 " " $2 }
		rs == "" && $1 " " $2 == svc { print $c; exit }
		rs != "" && cur == svc && $1 == "->" && $2 == rs { print $c; exit }' "$1"
}
increase() { echo $(( $(counter /tmp/after.txt "$1" "$2" "$3") - $(counter /tmp/before.txt "$1" "$2" "$3") )); }

# rrd_total FILE DS: sum over the known rows of rate x step (the counter's
# increase over the file's life, first sample excepted).
rrd_total() {
	now=$(date +%s)
	rrdtool fetch "$1" AVERAGE -s $((now - 900)) -e "$now" -r 10 | awk -v ds="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == ds) c = i + 1; next }
		/:/ && $c !~ /nan/ { s += $c * 10 }
		END { printf "%.0f\n", s }'
}

# The rows reach the counters' final values one step after lvsd's poll
# sees them, and the IPv6 traffic came after the IPv4 traffic, so it may
# settle a step later: wait until both services' rows have (at most 40 s),
# then compare.
want=$(increase "TCP 203.0.113.10:80" "" 3)
want6=$(increase "TCP [2001:db8:f::10]:80" "" 3)
settled() {
	[ "$(rrd_total /tmp/rrd/$V4.rrd conns)" = "$want" ] &&
		[ "$(rrd_total /tmp/rrd/$V6.rrd conns)" = "$want6" ]
}
i=0
while [ $i -lt 40 ]; do
	settled && break
	sleep 1
	i=$((i + 1))
done
lab_cmp fetch.v4.conns "$want" "$(rrd_total /tmp/rrd/$V4.rrd conns)"
lab_cmp fetch.v4.inpkts "$(increase "TCP 203.0.113.10:80" "" 4)" "$(rrd_total /tmp/rrd/$V4.rrd inpkts)"
lab_cmp fetch.v4.outbytes "$(increase "TCP 203.0.113.10:80" "" 7)" "$(rrd_total /tmp/rrd/$V4.rrd outbytes)"
lab_cmp fetch.v4.rs1.conns "$(increase "TCP 203.0.113.10:80" 192.0.2.11:80 3)" \
	"$(rrd_total /tmp/rrd/$V4/192.0.2.11-80.rrd conns)"
lab_cmp fetch.v4.rs2.inbytes "$(increase "TCP 203.0.113.10:80" 192.0.2.12:80 6)" \
	"$(rrd_total /tmp/rrd/$V4/192.0.2.12-80.rrd inbytes)"
lab_cmp fetch.v6.conns "$(increase "TCP [2001:db8:f::10]:80" "" 3)" "$(rrd_total /tmp/rrd/$V6.rrd conns)"
lab_cmp fetch.v6.rs.outpkts "$(increase "TCP [2001:db8:f::10]:80" "[2001:db8:a::11]:80" 5)" \
	"$(rrd_total /tmp/rrd/$V6/2001_db8_a__11-80.rrd outpkts)"
# The traffic must have counted for something, or the comparisons prove nothing.
lab_check traffic.counted test "$want" -ge 12
# Gauges: the weight row equals the table's weight (1 per real server).
w=$(rrdtool lastupdate /tmp/rrd/$V4.rrd | awk -F': ' 'NR == 3 { split($2, v, " "); print v[9] }')
lab_cmp fetch.v4.weight "$(ipvsadm -Ln | awk '$1 != "->" { cur = $1 " " $2 }
	cur == "TCP 203.0.113.10:80" && $1 == "->" && $2 != "RemoteAddress:Port" { s += $4 }
	END { print s }')" "$w"

# A graph: a PNG, of about the asked size.
get "/graph/service/$V4.png?metric=conns&range=1h&width=400&height=120" > /tmp/g.png
lab_eq graph.magic 89504e470d0a1a0a "$(od -An -tx1 -N8 /tmp/g.png | tr -d ' \n')"
wpx=$(od -An -tu1 -j16 -N4 /tmp/g.png | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
lab_check graph.width test "${wpx:-0}" -ge 400 -a "${wpx:-0}" -le 600
get "/graph/real-server/$V6/2001_db8_a__11-80?metric=bytes" > /tmp/g6.png
lab_eq graph.rs6.magic 89504e470d0a1a0a "$(od -An -tx1 -N8 /tmp/g6.png | tr -d ' \n')"
lab_check graph.bad-range sh -c "! wget -O - '$BASE/graph/service/$V4?range=1m' >/dev/null 2>&1"

# /api/v1/history: the same total as rrdtool fetch.
now=$(date +%s)
api=$(get "/api/v1/history?service=$V4&start=$((now - 900))&end=$now&resolution=10s" |
	jq '.ds as $d | [.rows[] | .[1 + ($d | index("conns"))] | select(. != null)] | add * 10 | round')
lab_cmp api.history.conns "$(rrd_total /tmp/rrd/$V4.rrd conns)" "$api"

# The status page lists every service ipvsadm lists, by its id.
get / > /tmp/index.html
ids=$(ipvsadm -Ln | awk '
	$1 == "TCP" || $1 == "UDP" || $1 == "SCTP" {
		a = $2; i = match(a, /:[0-9]+$/); addr = substr(a, 1, i - 1); port = substr(a, i + 1)
		gsub(/[][]/, "", addr); gsub(/:/, "_", addr); print tolower($1) "-" addr "-" port }
	$1 == "FWM" { print "fwm-" $2 }')
lab_check status.ids test -n "$ids"
for id in $ids; do
	lab_check "status.lists.$id" grep -q "id=\"$id\"" /tmp/index.html
done
lab_eq status.services "$(echo "$ids" | wc -l)" "$(grep -o '<tr class="svc" id=' /tmp/index.html | wc -l)"
lab_eq history.no-errors 0 "$(metric lvsd_history_write_errors_total)"

kill "$LVSD"
wait "$LVSD" 2>/dev/null
