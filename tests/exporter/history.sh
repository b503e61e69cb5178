#!/bin/sh
# Host integration tests of lvsd's history (rrd files, /graph, /api/v1/history,
# the status page) and of share/'s dashboard and alert rules. A recording is
# replayed into lvsd on 127.0.0.1; its counters give the expected rates.
#   - an rrd file per service and per real server, named as docs/history.md says;
#   - `rrdtool fetch` rows equal the rates and averages computed from the
#     recording, and /api/v1/history returns the same rows;
#   - /graph answers a PNG of the asked size; bad ranges and names get 400
#     with a reason, an unknown object 404;
#   - the status page lists every service (and links /metrics);
#   - a read-only history folder: lvsd_history_up 0, write errors counted,
#     one log line, and polls go on;
#   - share/grafana/lvsd-directors.json parses, every expression parses as
#     PromQL and names only metrics lvsd exports (checked against a scrape);
#     share/prometheus/lvsd-alerts.yml passes `promtool check rules` and the
#     rule tests in tests/exporter/lvsd-alerts.test.yml;
#   - through rrdcached (when installed): updates held by the daemon reach
#     the file when /api/v1/history asks for a flush.
#
# usage: BUILD_DIR=build sh tests/exporter/history.sh
# Needs $BUILD_DIR/lvsd, $BUILD_DIR/bench/bench_exporter, and curl, jq,
# promtool, rrdtool, busybox, od (tests/deps.sh installs them).
# Prints one line per check and a final "N passed, N failed".
set -u

build=${BUILD_DIR:-build}
lvsd=$build/lvsd
gen=$build/bench/bench_exporter
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mounted=""

. "$(dirname "$0")/lib.sh"

need_bins "history tests" "$lvsd" "$gen"
need_tools "history tests" curl jq promtool rrdtool busybox od

tmp=$(mktemp -d /tmp/lvsd_history_XXXXXX)
cleanup() {
	stop_pids
	[ -n "$mounted" ] && umount "$mounted" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# start_lvsd LOG PORT ARGS...: start lvsd, set $lpid, wait for /metrics.
start_lvsd() {
	log=$1
	sport=$2
	shift 2
	"$lvsd" "$@" --listen "127.0.0.1:$sport" 2>"$log" &
	lpid=$!
	pids="$pids $lpid"
	i=0
	while [ $i -lt 100 ]; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/metrics")" = 200 ] && return 0
		kill -0 "$lpid" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

metric() { # URL NAME: the value of one unlabelled series
	curl -s "$1/metrics" | awk -v k="$2" '$1 == k { print $2 }'
}

# wait_metric URL NAME VALUE SECONDS: until NAME equals VALUE.
wait_metric() { wait_eq "$4" "$3" metric "$1" "$2"; }

lines=40
rec=$tmp/rec.jsonl
"$gen" --gen "$rec" --services 6 --dests 2 --lines $lines --mixed || { echo "cannot generate a recording" >&2; exit 2; }
n_files=$(jq -s '.[0] | (.services | length) + ([.services[].real_servers | length] | add)' "$rec")

# A local listener for the health check, so lvsd_real_server_healthy is
# exported (the dashboard uses it).
mkdir -p "$tmp/www"
echo ok > "$tmp/www/index.html"
hport=$(port)
busybox httpd -f -p "127.0.0.1:$hport" -h "$tmp/www" &
pids="$pids $!"

cat > "$tmp/lvsd.conf" <<EOC
daemon = { interval = 0.1; history_mib = 1; };
history = { directory = "$tmp/rrd"; real_servers = true; queue = 1000; };
services = (
  { service = "tcp:10.0.0.1:80";
    check = { type = "tcp"; address = "127.0.0.1"; port = $hport; interval = 0.2; timeout = 0.5; }; }
);
EOC

lport=$(port)
url=http://127.0.0.1:$lport
if start_lvsd "$tmp/lvsd.log" "$lport" --config "$tmp/lvsd.conf" --replay "$rec"; then
	ok lvsd.starts
else
	bad lvsd.starts "$(tail -n 3 "$tmp/lvsd.log" | tr '\n' '|')"
	echo "$passed passed, $failed failed"
	exit 1
fi

# With history on, librrd is opened (it is not linked: tests/exporter/run.sh).
check history.librrd-opened grep -q 'librrd\.so' "/proc/$lpid/maps"

# Every line of the recording written to every file.
check history.all-written wait_metric "$url" lvsd_history_updates_total $((lines * n_files)) 20
check history.no-errors wait_metric "$url" lvsd_history_write_errors_total 0 1
check history.up wait_metric "$url" lvsd_history_up 1 1
check history.none-dropped wait_metric "$url" lvsd_history_dropped_updates_total 0 1

# --- files: the id scheme computed from the JSON ---------------------------
# jq: a service's and a real server's id (docs/history.md).
jq_ids='def a: gsub(":"; "_");
  def sid: if .protocol == "fwm" then (if .af == "inet6" then "fwm6-" else "fwm-" end) + (.fwmark | tostring)
           else .protocol + "-" + (.address | a) + "-" + (.port | tostring) end;
  def rid: (.address | a) + "-" + (.port | tostring);'
curl -s "$url/api/v1/snapshot" > "$tmp/snap.json"
jq -r "$jq_ids"' .services[] | sid as $s | $s, ($s + "/" + (.real_servers[] | rid))' "$tmp/snap.json" > "$tmp/ids"
missing=""
while read -r id; do
	[ -f "$tmp/rrd/$id.rrd" ] || missing="$missing $id"
done < "$tmp/ids"
if [ -z "$missing" ] && [ "$(wc -l < "$tmp/ids")" -eq "$n_files" ]; then
	ok files.every-object
else
	bad files.every-object "missing:$missing ($(wc -l < "$tmp/ids") ids, $n_files expected)"
fi
if [ "$(find "$tmp/rrd" -name '*.rrd' | wc -l)" -eq "$n_files" ]; then
	ok files.no-others
else
	bad files.no-others "$(find "$tmp/rrd" -name '*.rrd' | wc -l) files for $n_files objects"
fi
check files.ipv6-name test -f "$tmp/rrd/tcp-2001_db8_f__2-443.rrd"
check files.fwmark6-name test -f "$tmp/rrd/fwm6-1.rrd"

# --- rrdtool fetch against the recording -----------------------------------
# The recording has a line every 2 s from T0 (a multiple of 10): the 10 s row
# ending at t holds (counter(t) - counter(t-10)) / 10 for the counters and
# the mean of the 5 samples in (t-10, t] for the gauges. Rows from T0+10 to
# the last full step.
t0=$(jq -s '.[0].time | floor' "$rec")
tl=$(jq -s '.[-1].time | floor' "$rec")
last_row=$(( (tl / 10) * 10 ))
# expected JQSEL DS KIND: "time value" lines from the recording for the
# object that JQSEL picks from a line (".services[0]", ".services[1].real_servers[0]").
expected() {
	jq -s -r --argjson t0 "$t0" --argjson last "$last_row" --arg kind "$3" "
	  [ .[] | { t: (.time | floor), v: ($1 | $2) } ] as \$s
	  | (\$s | map({ key: (.t | tostring), value: .v }) | from_entries) as \$m
	  | range(\$t0 + 10; \$last + 1; 10) as \$t
	  | if \$kind == \"counter\" then \"\(\$t) \((\$m[\$t | tostring] - \$m[(\$t - 10) | tostring]) / 10)\"
	    else \"\(\$t) \(([range(\$t - 8; \$t + 1; 2) | \$m[tostring]] | add) / 5)\" end" "$rec"
}
fetched() { # FILE DS: "time value" lines of rrdtool fetch
	rrdtool fetch "$1" AVERAGE -s "$t0" -e "$last_row" -r 10 |
		awk -v ds="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == ds) c = i; next }
		     /:/ { sub(":", "", $1); print $1, $(c + 1) }'
}
# compare NAME FILE DS JQSEL JQFIELD KIND
compare() {
	expected "$4" "$5" "$6" > "$tmp/exp"
	fetched "$2" "$3" > "$tmp/got"
	res=$(awk 'NR == FNR { e[$1] = $2; n++; next }
		   ($1 in e) { d = $2 - e[$1]; if (d < 0) d = -d; m = e[$1] < 0 ? -e[$1] : e[$1]
			       if ($2 == "nan" || $2 == "-nan" || d > 1e-6 * (m + 1)) { print "at " $1 ": rrd " $2 ", recording " e[$1]; bad = 1 }
			       seen++ }
		   END { if (!bad && seen != n) print "rows: " seen " of " n; else if (!bad && n < 5) print "only " n " rows" }' \
		"$tmp/exp" "$tmp/got")
	if [ -z "$res" ]; then ok "$1"; else bad "$1" "$(echo "$res" | head -n 3 | tr '\n' '|')"; fi
}
s0=$(jq -r "$jq_ids"' .services[0] | sid' "$tmp/snap.json")
s1=$(jq -r "$jq_ids"' .services[1] | sid' "$tmp/snap.json")
r10=$(jq -r "$jq_ids"' .services[1].real_servers[0] | rid' "$tmp/snap.json")
compare fetch.service.conns "$tmp/rrd/$s0.rrd" conns '.services[0]' '.stats.conns' counter
compare fetch.service.inbytes "$tmp/rrd/$s0.rrd" inbytes '.services[0]' '.stats.inbytes' counter
compare fetch.service6.outpkts "$tmp/rrd/$s1.rrd" outpkts '.services[1]' '.stats.outpkts' counter
compare fetch.service.active "$tmp/rrd/$s0.rrd" active '.services[0]' '[.real_servers[].active_conns] | add' gauge
compare fetch.service.weight "$tmp/rrd/$s0.rrd" weight '.services[0]' '[.real_servers[].weight] | add' gauge
compare fetch.rs.conns "$tmp/rrd/$s1/$r10.rrd" conns '.services[1].real_servers[0]' '.stats.conns' counter
compare fetch.rs.inactive "$tmp/rrd/$s1/$r10.rrd" inactive '.services[1].real_servers[0]' '.inactive_conns' gauge

# /api/v1/history: the same rows as rrdtool fetch.
curl -s "$url/api/v1/history?service=$s0&start=$t0&end=$last_row" > "$tmp/hist.json"
jq -r '.ds as $d | .rows[] | select(.[1] != null) | "\(.[0]) \(.[1 + ($d | index("conns"))])"' "$tmp/hist.json" > "$tmp/api" 2>/dev/null
fetched "$tmp/rrd/$s0.rrd" conns | grep -v nan > "$tmp/got"
if [ -s "$tmp/api" ] && awk 'NR == FNR { g[$1] = $2; next } { d = $2 - g[$1]; if (!($1 in g) || d > 1e-9 || d < -1e-9) bad = 1 } END { exit bad }' "$tmp/got" "$tmp/api" &&
	[ "$(wc -l < "$tmp/api")" -eq "$(wc -l < "$tmp/got")" ]; then
	ok api.history.rows
else
	bad api.history.rows "$(head -c 200 "$tmp/hist.json")"
fi
check api.history.step jq -e '.step == 10 and .cf == "AVERAGE" and (.ds | length) == 10' "$tmp/hist.json"
check api.history.rs jq -e '(.ds | length) == 9 and .real_server != null' \
	"$(curl -s -o "$tmp/hrs.json" "$url/api/v1/history?service=$s1&real_server=$r10&range=1h"; echo "$tmp/hrs.json")"

# --- graphs ------------------------------------------------------------------
# png_size FILE: "WIDTH HEIGHT" from the IHDR chunk, after checking the magic.
png_size() {
	[ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a ] || { echo "not a PNG"; return 1; }
	[ "$(od -An -c -j12 -N4 "$1" | tr -d ' \n')" = IHDR ] || { echo "no IHDR"; return 1; }
	od -An -tu1 -j16 -N8 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}
code=$(curl -s -o "$tmp/g.png" -w '%{http_code} %{content_type}' "$url/graph/service/$s0.png?metric=conns&range=1h&width=500&height=150")
size=$(png_size "$tmp/g.png")
w=${size% *}
h=${size#* }
if [ "$code" = "200 image/png" ] && [ "${w:-0}" -ge 500 ] && [ "${w:-0}" -le 700 ] && [ "${h:-0}" -ge 150 ] && [ "${h:-0}" -le 300 ]; then
	ok graph.service.png
else
	bad graph.service.png "HTTP $code, size '$size'"
fi
code=$(curl -s -o "$tmp/g2.png" -w '%{http_code}' "$url/graph/real-server/$s1/$r10?metric=active&start=$t0&end=$last_row")
if [ "$code" = 200 ] && png_size "$tmp/g2.png" >/dev/null; then ok graph.rs.png; else bad graph.rs.png "HTTP $code"; fi
for m in packets bytes weight; do
	code=$(curl -s -o "$tmp/g3.png" -w '%{http_code}' "$url/graph/service/$s1?metric=$m")
	if [ "$code" = 200 ] && png_size "$tmp/g3.png" >/dev/null; then ok "graph.$m"; else bad "graph.$m" "HTTP $code"; fi
done
# bad_request NAME PATH CODE WORDS: status CODE and WORDS in the body.
bad_request() {
	got=$(curl -s -o "$tmp/body" -w '%{http_code}' "$url$2")
	if [ "$got" = "$3" ] && grep -q "$4" "$tmp/body"; then ok "$1"; else bad "$1" "HTTP $got: $(head -c 200 "$tmp/body")"; fi
}
bad_request graph.bad-range "/graph/service/$s0?range=1m" 400 "ambiguous unit"
bad_request graph.bad-range-unit "/graph/service/$s0?range=3days" 400 "unknown unit"
bad_request graph.bad-window "/graph/service/$s0?start=200&end=100" 400 "before it starts"
bad_request graph.bad-metric "/graph/service/$s0?metric=cpu" 400 "unknown metric"
bad_request graph.bad-name "/graph/service/tcp-10.0.0.999-80" 400 "bad service id"
# The server decodes %2f: the path gains separators and matches no form.
bad_request graph.traversal "/graph/service/..%2f..%2fetc%2fpasswd" 400 "expected /graph/service"
bad_request graph.not-canonical "/graph/service/tcp-2001_DB8_F__2-443" 400 "canonical"
bad_request graph.unknown-object "/graph/service/tcp-192.0.2.1-80" 404 "no history for tcp-192.0.2.1-80"
bad_request api.history.no-service "/api/v1/history?range=1h" 400 "service=ID is required"

# --- status page -----------------------------------------------------------
curl -s "$url/" > "$tmp/index.html"
missing=""
for s in $(jq -r "$jq_ids"' .services[] | sid' "$tmp/snap.json"); do
	grep -q "id=\"$s\"" "$tmp/index.html" && grep -q "graph/service/$s.png" "$tmp/index.html" || missing="$missing $s"
done
if [ -z "$missing" ]; then ok status.every-service; else bad status.every-service "missing:$missing"; fi
n_rs=$(jq '[.services[].real_servers[]] | length' "$tmp/snap.json")
if [ "$(grep -c 'graph/real-server/' "$tmp/index.html")" -eq "$n_rs" ]; then
	ok status.every-real-server
else
	bad status.every-real-server "$(grep -c 'graph/real-server/' "$tmp/index.html") graphs for $n_rs real servers"
fi
check status.metrics-link grep -q 'href="metrics"' "$tmp/index.html"
check status.no-script sh -c "! grep -qi '<script' '$tmp/index.html'"
bad_request status.bad-range "/?range=1m" 400 "range"

# --- dashboard and rules against a real scrape -----------------------------
curl -s "$url/metrics" | awk '!/^#/ { sub(/[{ ].*/, ""); print }' | sort -u > "$tmp/names"
dash=$top/share/grafana/lvsd-directors.json
rules=$top/share/prometheus/lvsd-alerts.yml
check dashboard.json jq -e '.panels | length > 10' "$dash"
jq -r '.. | objects | select(has("expr")) | .expr' "$dash" > "$tmp/exprs"
check dashboard.has-exprs test "$(wc -l < "$tmp/exprs")" -ge 20
# Every expression names only metrics lvsd exports. The families lvsd
# exports only beside keepalived (a declared file, this machine's VRRP
# addresses: not under --replay) are the ones exporter/declared_export.c
# writes, and the kernel's sync daemons exist only on a director running
# one: those are scraped in the keepalived_pair lab scenario, whose host
# side checks the dashboard's names against the real bodies. lvsd_diagnosis
# has a series per finding of lvstop doctor, none on a table without one.
# lvsd_service_real_servers_by_health exists when the per-real-server
# health series are left out (run.sh scrapes it under max_series = 1).
beside_keepalived="$(sed -n 's/.*head(o, "\(lvsd_[a-z0-9_]*\)".*/\1/p' "$top/exporter/declared_export.c" | sort -u | tr '\n' ' ') ipvs_sync_daemon_info lvsd_diagnosis lvsd_service_real_servers_by_health"
check dashboard.keepalived-families-known sh -c "echo '$beside_keepalived' | grep -qw lvsd_drift_item && echo '$beside_keepalived' | grep -qw lvsd_vrrp_role"
# The dashboard shows drift, roles, the declared file, the sync daemons and
# why checks fail.
for m in lvsd_drift lvsd_drift_item lvsd_real_server_declared lvsd_vrrp_master lvsd_vrrp_role \
	lvsd_declared_info lvsd_declared_errors lvsd_declared_sync_daemon ipvs_sync_daemon_info \
	ipvs_connection_entries lvsd_real_server_health_info; do
	check "dashboard.uses.$m" grep -qw "$m" "$tmp/exprs"
done
unknown=$( { cat "$tmp/exprs"; awk '/expr:/,/^ *for:/' "$rules"; } | grep -oE '\b(ipvs|lvsd)_[a-z0-9_]+' | sort -u |
	while read -r m; do
		case " $(echo $beside_keepalived) " in *" $m "*) continue ;; esac
		grep -qx "$m" "$tmp/names" || echo "$m"
	done)
if [ -z "$unknown" ]; then ok dashboard.metrics-exported; else bad dashboard.metrics-exported "not in /metrics: $(echo $unknown)"; fi
# Every panel (not rows) has a query naming at least one of lvsd's metrics.
check dashboard.every-panel-queries jq -e '[.panels[] | select(.type != "row") | [.targets[].expr | test("(ipvs|lvsd)_")] | any] | all' "$dash"
# Every expression parses as PromQL: as rules, with Grafana's variables filled in.
{
	echo "groups:"
	echo "  - name: dashboard"
	echo "    rules:"
	i=0
	while read -r e; do
		i=$((i + 1))
		e=$(printf '%s' "$e" | sed 's/\$__rate_interval/5m/g; s/\$[a-z_]*/.*/g' | sed "s/'/''/g")
		echo "      - record: dashboard:expr$i"
		echo "        expr: '$e'"
	done < "$tmp/exprs"
} > "$tmp/dash-rules.yml"
check dashboard.promql promtool check rules "$tmp/dash-rules.yml"
# A service is protocol and service together: no grouping keeps one
# without the other, or TCP and UDP on one VIP:port merge. (lvsd_diagnosis
# names its service in ipvsadm's words, "-t 203.0.113.10:80": the protocol
# is in it; its grouping is the one with the finding's id.)
by_service=$( { cat "$tmp/exprs"; awk '/expr:/,/^ *for:/' "$rules"; } | grep -oE 'by \([^)]*\)' | grep -w service | grep -vw protocol |
	grep -v 'by (job, instance, id, service, real_server, severity)')
if [ -z "$by_service" ]; then ok dashboard.service-with-protocol; else bad dashboard.service-with-protocol "$(echo $by_service)"; fi
check rules.check promtool check rules "$rules"
check rules.test promtool test rules "$here/lvsd-alerts.test.yml"

# --- through rrdcached --------------------------------------------------------
# rrdcached holds the updates (a write delay of an hour): the file on disk
# has no values until lvsd asks for a flush, which /api/v1/history does.
if command -v rrdcached >/dev/null 2>&1; then
	mkdir -p "$tmp/rc/rrd" "$tmp/rc/journal"
	rrdcached -g -l "unix:$tmp/rc/sock" -p "$tmp/rc/pid" -w 3600 -z 1 -f 7200 \
		-j "$tmp/rc/journal" >"$tmp/rc/log" 2>&1 &
	pids="$pids $!"
	i=0
	while [ ! -S "$tmp/rc/sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	cat > "$tmp/rc.conf" <<EOC
daemon = { interval = 0.1; };
history = { directory = "$tmp/rc/rrd"; rrdcached = "unix:$tmp/rc/sock"; queue = 1000; };
EOC
	cport=$(port)
	curl_rc=http://127.0.0.1:$cport
	if start_lvsd "$tmp/rc.log" "$cport" --config "$tmp/rc.conf" --replay "$rec"; then
		n_svc=$(jq -s '.[0].services | length' "$rec")
		check rrdcached.all-written wait_metric "$curl_rc" lvsd_history_updates_total $((lines * n_svc)) 20
		check rrdcached.no-errors wait_metric "$curl_rc" lvsd_history_write_errors_total 0 1
		known() { fetched "$tmp/rc/rrd/$s0.rrd" conns | grep -vc nan; }
		check rrdcached.cached test "$(known)" -eq 0
		curl -s "$curl_rc/api/v1/history?service=$s0&start=$t0&end=$last_row" > "$tmp/rc.json"
		check rrdcached.flushed-for-api jq -e '[.rows[] | select(.[1] != null)] | length >= 5' "$tmp/rc.json"
		compare rrdcached.fetch.conns "$tmp/rc/rrd/$s0.rrd" conns '.services[0]' '.stats.conns' counter
		kill "$lpid"
		wait "$lpid" 2>/dev/null
	else
		bad rrdcached.lvsd-starts "$(tail -n 3 "$tmp/rc.log" | tr '\n' '|')"
	fi
else
	echo "skip rrdcached: not installed (apt-get install rrdcached)"
fi

# --- a read-only history folder ----------------------------------------------
ro=$tmp/ro
mkdir -p "$ro"
ro_ok=""
if [ "$(id -u)" = 0 ]; then
	mount -t tmpfs -o ro,size=1m tmpfs "$ro" 2>/dev/null && mounted=$ro && ro_ok=1
else
	chmod 0555 "$ro" && ro_ok=1
fi
if [ -z "$ro_ok" ]; then
	echo "skip history.read-only: cannot make a read-only folder here"
else
	cat > "$tmp/ro.conf" <<EOC
daemon = { interval = 0.2; };
history = { directory = "$ro/rrd"; };
EOC
	rport=$(port)
	rurl=http://127.0.0.1:$rport
	if start_lvsd "$tmp/ro.log" "$rport" --config "$tmp/ro.conf" --replay "$rec" --loop; then
		sleep 2
		p1=$(metric "$rurl" lvsd_polls_total)
		e1=$(metric "$rurl" lvsd_history_write_errors_total)
		sleep 1.5
		p2=$(metric "$rurl" lvsd_polls_total)
		e2=$(metric "$rurl" lvsd_history_write_errors_total)
		check ro.history-down wait_metric "$rurl" lvsd_history_up 0 2
		check ro.errors-counted test "${e1:-0}" -gt 0 -a "${e2:-0}" -gt "${e1:-0}"
		check ro.polls-go-on test "${p2:-0}" -gt "${p1:-0}"
		check ro.ipvs-up wait_metric "$rurl" ipvs_up 1 1
		n_log=$(grep -c 'history: writes fail' "$tmp/ro.log")
		if [ "$n_log" = 1 ] && grep -q 'Read-only file system\|Permission denied' "$tmp/ro.log"; then
			ok ro.logged-once
		else
			bad ro.logged-once "$n_log lines: $(grep history "$tmp/ro.log" | head -n 2 | tr '\n' '|')"
		fi
		check ro.snapshot-served sh -c "curl -sf '$rurl/api/v1/snapshot' | jq -e '.services | length == 6' >/dev/null"
		kill "$lpid"
		wait "$lpid" 2>/dev/null
	else
		bad ro.starts "$(tail -n 3 "$tmp/ro.log" | tr '\n' '|')"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
