#!/bin/sh
# Host integration tests of lvsd: a recording replayed into lvsd on
# 127.0.0.1, scraped with curl. promtool finds nothing, gzip works,
# /api/v1/snapshot is what `lvstop --once --json` prints for the same
# recording line, a bad config is refused at start and on SIGHUP (the old
# one keeps serving), 200 concurrent scrapes all answer while polls stay
# on schedule, a health check flips down and up with a local listener,
# TLS and basic auth. Everything binds and connects to 127.0.0.1 only.
#
# usage: BUILD_DIR=build sh tests/exporter/run.sh
# Needs $BUILD_DIR/lvsd, $BUILD_DIR/lvstop, $BUILD_DIR/bench/bench_exporter
# (make all build/bench/bench_exporter) and curl, jq, promtool, busybox,
# openssl, gzip (tests/deps.sh installs them).
# Prints one line per check and a final "N passed, N failed".
set -u

build=${BUILD_DIR:-build}
lvsd=$build/lvsd
lvstop=$build/lvstop
gen=$build/bench/bench_exporter

. "$(dirname "$0")/lib.sh"

need_bins "exporter tests" "$lvsd" "$lvstop" "$gen"
need_tools "exporter tests" curl jq promtool busybox openssl gzip

tmp=$(mktemp -d /tmp/lvsd_test_XXXXXX)
cleanup() {
	stop_pids
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# start_lvsd LOG SCHEME ARGS...: start lvsd, set $lpid; wait until
# SCHEME://127.0.0.1:$lport/ answers (any status: auth may be on).
start_lvsd() {
	log=$1
	scheme=$2
	shift 2
	"$lvsd" "$@" 2>"$log" &
	lpid=$!
	pids="$pids $lpid"
	i=0
	while [ $i -lt 100 ]; do
		c=$(curl -sk -o /dev/null -w '%{http_code}' "$scheme://127.0.0.1:$lport/metrics" 2>/dev/null)
		[ "$c" = 200 ] || [ "$c" = 401 ] && return 0
		kill -0 "$lpid" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

metric() { # BODYFILE NAME{LABELS}: the value of one series
	awk -v k="$2" 'substr($0, 1, length(k)) == k && substr($0, length(k) + 1, 1) == " " { print $2 }' "$1"
}

rec=$tmp/mixed.jsonl
"$gen" --gen "$rec" --services 12 --dests 3 --lines 5 --mixed || { echo "cannot generate a recording" >&2; exit 2; }

# --- a local real server for the health check ----------------------------
mkdir -p "$tmp/www"
echo ok > "$tmp/www/index.html"
hport=$(port)
start_httpd() {
	busybox httpd -f -p "127.0.0.1:$hport" -h "$tmp/www" &
	hpid=$!
	pids="$pids $hpid"
}
start_httpd

# A port nothing listens on (asked for, never bound).
cport=$(port)
conf=$tmp/lvsd.conf
# Every scrape here comes from 127.0.0.1: the 200 concurrent ones below
# need more than the default 32 connections from one address (more are
# closed as they arrive, as configured; http.sh holds 1,100 from one
# address while a scraper from another is served).
write_conf() { # extra exporter settings
	cat > "$conf" <<EOC
daemon = { interval = 0.5; history_mib = 1; };
exporter = { gzip_level = 1; connections_per_client = 250; $1 };
services = (
  { service = "tcp:10.0.0.1:80";
    # The recording's real servers are not on this machine: the probe goes
    # to a local listener instead (nothing leaves 127.0.0.1).
    check = { type = "http"; address = "127.0.0.1"; port = $hport; path = "/";
              expect_status = 200; expect_body = "ok";
              interval = 0.3; timeout = 0.5; rise = 1; fall = 2; }; },
  # Two checks that fail for known reasons: a page the server does not
  # have, and a port nothing listens on.
  { service = "tcp:10.0.0.7:80";
    check = { type = "http"; address = "127.0.0.1"; port = $hport; path = "/missing";
              interval = 0.3; timeout = 0.5; }; },
  { service = "sctp:10.0.0.6:80";
    check = { type = "tcp"; address = "127.0.0.1"; port = $cport;
              interval = 0.3; timeout = 0.5; }; }
);
EOC
}
write_conf ""

# --- start ---------------------------------------------------------------
lport=$(port)
if start_lvsd "$tmp/lvsd.log" http --config "$conf" --replay "$rec" --loop --listen "127.0.0.1:$lport"; then
	ok lvsd.starts
else
	bad lvsd.starts "$(tail -n 3 "$tmp/lvsd.log" | tr '\n' '|')"
	echo "$passed passed, $failed failed"
	exit 1
fi
# Without history lvsd never opens librrd (nor cairo, pango, glib...).
check lvsd.no-librrd-without-history sh -c "! grep -q 'librrd' /proc/$lpid/maps"
url=http://127.0.0.1:$lport
sleep 1.2

curl -sf "$url/metrics" > "$tmp/m.txt"
check metrics.promtool-clean sh -c "out=\$(promtool check metrics < '$tmp/m.txt' 2>&1); rc=\$?; [ \$rc -eq 0 ] && [ -z \"\$out\" ] || { echo \"rc \$rc: \$out\"; exit 1; }"
check metrics.content-type sh -c "curl -sfI '$url/metrics' | grep -qi '^content-type: text/plain; version=0.0.4'"
check metrics.ipvs-up test "$(metric "$tmp/m.txt" ipvs_up)" = 1
check metrics.services test "$(metric "$tmp/m.txt" ipvs_services)" = 12
check metrics.ipv6-service grep -q '^ipvs_service_connections_total{service="\[2001:db8:f::2\]:443",protocol="tcp",address="2001:db8:f::2",port="443"} ' "$tmp/m.txt"
check metrics.fwmark-families sh -c "grep -q '{service=\"fwm:1\",protocol=\"fwm\",fwmark=\"1\",family=\"ipv4\"}' '$tmp/m.txt' && grep -q '{service=\"fwm6:1\",protocol=\"fwm\",fwmark=\"1\",family=\"ipv6\"}' '$tmp/m.txt'"
check metrics.series-unique sh -c "grep -v '^#' '$tmp/m.txt' | sed 's/ [^ ]*\$//' | sort | uniq -d | head -3 | grep -q . && exit 1 || exit 0"

# gzip: the coding is announced, the body inflates to a clean exposition
# with the same series as the plain one.
curl -sf -H 'Accept-Encoding: gzip' -D "$tmp/gz.h" -o "$tmp/m.gz" "$url/metrics"
check gzip.content-encoding grep -qi '^content-encoding: gzip' "$tmp/gz.h"
check gzip.vary grep -qi '^vary: accept-encoding' "$tmp/gz.h"
check gzip.inflates sh -c "gzip -dc '$tmp/m.gz' > '$tmp/m2.txt' && promtool check metrics < '$tmp/m2.txt'"
series() { grep -v '^#' "$1" | sed 's/ [^ ]*$//' | sort; }
series "$tmp/m.txt" > "$tmp/s1"
series "$tmp/m2.txt" > "$tmp/s2"
check gzip.same-series cmp -s "$tmp/s1" "$tmp/s2"
check gzip.refused-when-q0 sh -c "! curl -sf -H 'Accept-Encoding: gzip;q=0' -D - -o /dev/null '$url/metrics' | grep -qi '^content-encoding'"

# Other routes.
check http.index-links-metrics sh -c "curl -sf '$url/' | grep -q 'href=\"metrics\"'"
check http.not-found test "$(curl -s -o /dev/null -w '%{http_code}' "$url/nope")" = 404
check http.read-only test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/metrics")" = 405

# --- health: the local listener up, stopped, back -------------------------
hs='lvsd_real_server_healthy{service="10.0.0.1:80",protocol="tcp",address="10.0.0.1",port="80",real_address="172.16.0.1",real_port="80"}'
health_now() { # the health series in a fresh scrape (kept in $tmp/h.txt)
	curl -sf -o "$tmp/h.txt" "$url/metrics"
	metric "$tmp/h.txt" "$hs"
}
wait_health() { wait_eq "$2" "$1" health_now; } # VALUE SECONDS
check health.up wait_health 1 5
# The reason beside the 0/1 gauge, one of a bounded set: the exact HTTP
# status, a refused connect; "ok" for the passing check.
s1='service="10.0.0.1:80",protocol="tcp",address="10.0.0.1",port="80"'
s7='service="10.0.0.7:80",protocol="tcp",address="10.0.0.7",port="80"'
s6='service="10.0.0.6:80",protocol="sctp",address="10.0.0.6",port="80"'
info() { # SERVICE-LABELS REAL-ADDRESS PORT: the reason of one real server in $tmp/h.txt
	grep "^lvsd_real_server_health_info{$1,real_address=\"$2\",real_port=\"$3\"," "$tmp/h.txt" |
		sed -n 's/.*,reason="\([^"]*\)"} 1$/\1/p'
}
wait_info() { # SERVICE-LABELS REAL-ADDRESS PORT REASON: within 5 s
	i=0
	while [ $i -lt 50 ]; do
		curl -sf -o "$tmp/h.txt" "$url/metrics"
		[ "$(info "$1" "$2" "$3")" = "$4" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "reason is '$(info "$1" "$2" "$3")', wanted '$4'"
	return 1
}
check health.reason-ok wait_info "$s1" 172.16.0.1 80 ok
check health.reason-http-404 wait_info "$s7" 172.16.0.18 80 "http 404"
check health.reason-refused wait_info "$s6" 172.16.0.15 80 "connection refused"
check health.reason-one-per-server sh -c "[ \$(grep -c '^lvsd_real_server_health_info{' '$tmp/h.txt') -eq \$(grep -c '^lvsd_real_server_healthy{' '$tmp/h.txt') ]"
check health.reason-help grep -q '^# TYPE lvsd_real_server_health_info gauge$' "$tmp/h.txt"
kill "$hpid"
wait "$hpid" 2>/dev/null
t0=$(date +%s%N)
if wait_health 0 5 >/dev/null; then
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	# interval 0.3 s x fall 2, one poll (0.5 s) to reach the body, and slack.
	if [ "$ms" -le 2500 ]; then ok health.down-within-interval-x-fall; else bad health.down-within-interval-x-fall "took ${ms} ms"; fi
else
	bad health.down-within-interval-x-fall "still not down after 5 s"
fi
check health.reason-down-local test "$(info "$s1" 172.16.0.1 80)" = "connection refused"
check health.other-services-unchecked sh -c "! grep -q 'lvsd_real_server_healthy{service=\"\\[2001' '$tmp/h.txt'"
start_httpd
check health.up-again wait_health 1 5
check health.reason-ok-again wait_info "$s1" 172.16.0.1 80 ok

# --- snapshot JSON equals lvstop's for the same recording line -------------
head -n 1 "$rec" > "$tmp/one.jsonl"
sport=$(port)
"$lvsd" --replay "$tmp/one.jsonl" --listen "127.0.0.1:$sport" 2>"$tmp/lvsd-one.log" &
spid=$!
pids="$pids $spid"
i=0
while [ $i -lt 50 ] && ! curl -sf -o "$tmp/snap.json" "http://127.0.0.1:$sport/api/v1/snapshot"; do sleep 0.1; i=$((i + 1)); done
"$lvstop" --once --json --replay "$tmp/one.jsonl" > "$tmp/lvstop.json"
jq -S . "$tmp/snap.json" > "$tmp/a.json" 2>/dev/null
jq -S . "$tmp/lvstop.json" > "$tmp/b.json" 2>/dev/null
if [ -s "$tmp/a.json" ] && cmp -s "$tmp/a.json" "$tmp/b.json"; then
	ok snapshot.equals-lvstop-json
else
	bad snapshot.equals-lvstop-json "$(diff "$tmp/a.json" "$tmp/b.json" | head -n 4 | tr '\n' '|')"
fi
check snapshot.content-type sh -c "curl -sfI 'http://127.0.0.1:$sport/api/v1/snapshot' | grep -qi '^content-type: application/json'"
kill "$spid"

# --- configuration errors --------------------------------------------------
printf 'exporter = {\n  listen = "127.0.0.1:%s";\n  bogus = 1;\n};\n' "$(port)" > "$tmp/bad.conf"
"$lvsd" --config "$tmp/bad.conf" --replay "$rec" 2>"$tmp/bad.log" &
bpid=$!
sleep 1
if kill -0 "$bpid" 2>/dev/null; then
	kill "$bpid"
	bad config.bad-refused-at-start "lvsd is running with a bad config"
else
	wait "$bpid"
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q "$tmp/bad.conf:3: unknown key 'bogus'" "$tmp/bad.log"; then
		ok config.bad-refused-at-start
	else
		bad config.bad-refused-at-start "rc $rc, log: $(tr '\n' '|' < "$tmp/bad.log")"
	fi
fi

# reload_wait RESULT N: after a SIGHUP, wait (5 s at most) until the body
# counts N reloads with that result.
reload_wait() {
	i=0
	while [ $i -lt 50 ]; do
		curl -sf -o "$tmp/r.txt" "$url/metrics"
		[ "$(metric "$tmp/r.txt" "lvsd_config_reloads_total{result=\"$1\"}")" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
cp "$conf" "$tmp/good.conf"
printf 'daemon = { interval = -1; };\n' > "$conf"
kill -HUP "$lpid"
reload_wait failure 1
check reload.bad-keeps-serving test "$(metric "$tmp/r.txt" ipvs_up)" = 1
check reload.bad-counted test "$(metric "$tmp/r.txt" 'lvsd_config_reloads_total{result="failure"}')" = 1
check reload.bad-flagged test "$(metric "$tmp/r.txt" lvsd_config_last_reload_successful)" = 0
check reload.bad-logged-with-line grep -q "reload rejected.*$conf:1: interval must be more than zero" "$tmp/lvsd.log"
check reload.old-config-stays grep -q '^ipvs_real_server_weight{' "$tmp/r.txt"

# An @include of an empty path or a directory: libconfig's scanner would
# exit() the process; the config is refused with FILE:LINE instead, and on
# reload the running one keeps serving.
mkdir -p "$tmp/conf.d"
printf 'daemon = { interval = 0.5; };\n@include ""\n' > "$tmp/inc-empty.conf"
"$lvsd" --check-config --config "$tmp/inc-empty.conf" > /dev/null 2> "$tmp/inc.log"
rc=$?
check config.include-empty-refused sh -c "[ $rc -eq 1 ] && grep -q '$tmp/inc-empty.conf:2: @include \"\": an empty path' '$tmp/inc.log'"
printf 'daemon = { interval = 0.5; };\n\n@include "conf.d"\n' > "$conf"
kill -HUP "$lpid"
reload_wait failure 2
check reload.include-dir-keeps-running kill -0 "$lpid"
check reload.include-dir-keeps-serving test "$(metric "$tmp/r.txt" ipvs_up)" = 1
check reload.include-dir-logged-with-line grep -q "reload rejected.*$conf:3: @include \"conf.d\": .* is a directory" "$tmp/lvsd.log"
sleep 0.6
check reload.include-dir-metrics-answer sh -c "curl -sf '$url/metrics' | grep -q '^ipvs_real_server_weight{'"

write_conf 'real_servers = "drop";'
kill -HUP "$lpid"
reload_wait success 1
# The body after the reload follows the new options from the next poll on.
sleep 0.6
curl -sf -o "$tmp/r.txt" "$url/metrics"
check reload.good-applied sh -c "! grep -q '^ipvs_real_server_' '$tmp/r.txt'"
check reload.good-counted test "$(metric "$tmp/r.txt" 'lvsd_config_reloads_total{result="success"}')" = 1
# A series budget the table passes: the per-real-server groups are left
# out (here all of them: not even the first fits), said in the body and
# the log; the services stay (the order is tests/unit/test_metrics.c's).
write_conf 'max_series = 1;'
kill -HUP "$lpid"
reload_wait success 2
sleep 0.6
curl -sf -o "$tmp/b.txt" "$url/metrics"
check budget.limited test "$(metric "$tmp/b.txt" lvsd_exporter_series_limited)" = 1
check budget.no-real-server-series sh -c "! grep -q '^ipvs_real_server_' '$tmp/b.txt'"
check budget.services-stay grep -q '^ipvs_service_connections_total{' "$tmp/b.txt"
check budget.groups-named grep -q '^lvsd_exporter_real_server_group_left_out{group="active"} 1$' "$tmp/b.txt"
# Health left out: the per-service counts stand in (the shipped rule
# LvsServiceAllRealServersDown reads them then).
check budget.health-by-service grep -q '^lvsd_service_real_servers_by_health{.*health="up"} [0-9]' "$tmp/b.txt"
check budget.promtool-clean sh -c "promtool check metrics < '$tmp/b.txt'"
# The log names the groups left out in the order /metrics does.
left=$(sed -n 's/^lvsd_exporter_real_server_group_left_out{group="\([a-z]*\)"} 1$/\1/p' "$tmp/b.txt" |
	paste -sd, | sed 's/,/, /g')
check budget.logged grep -qF "metrics: every series of 36 real servers would pass exporter.max_series (1): left out of /metrics: active, inactive, weight, health, connections, bytes, packets" "$tmp/lvsd.log"
check budget.logged-as-metrics grep -qF "left out of /metrics: $left (real_server_metrics" "$tmp/lvsd.log"
write_conf ""
kill -HUP "$lpid"
reload_wait success 3
sleep 0.6
curl -sf -o "$tmp/b.txt" "$url/metrics"
check budget.default-not-limited test "$(metric "$tmp/b.txt" lvsd_exporter_series_limited)" = 0
check budget.logged-back grep -q 'metrics: exporter.max_series (500000) leaves no real-server series out now (36 real servers)' "$tmp/lvsd.log"

# --- 200 concurrent scrapes while polling ------------------------------------
curl -sf -o "$tmp/c0.txt" "$url/metrics"
p0=$(metric "$tmp/c0.txt" lvsd_polls_total)
t0=$(date +%s%N)
rounds=3
r=0
while [ $r -lt $rounds ]; do
	i=0
	while [ $i -lt 200 ]; do
		curl -s -o "$tmp/c.$r.$i" -w '%{http_code}\n' "$url/metrics" > "$tmp/code.$r.$i" &
		i=$((i + 1))
	done
	wait_for=$(jobs -p)
	for j in $wait_for; do
		case " $pids " in *" $j "*) ;; *) wait "$j" ;; esac
	done
	r=$((r + 1))
done
sleep 1
curl -sf -o "$tmp/c1.txt" "$url/metrics"
t1=$(date +%s%N)
# The clock for last-poll-recent is read here, with the body: counting the
# 600 answers below spawns processes and takes many seconds on a loaded
# machine.
now=$(date +%s)
p1=$(metric "$tmp/c1.txt" lvsd_polls_total)
answered=$(cat "$tmp"/code.* | grep -c '^200$')
complete=0
for f in "$tmp"/c.*.*; do
	tail -n 1 "$f" | grep -q '^lvsd_health_checks ' && complete=$((complete + 1))
done
total=$((rounds * 200))
check concurrent.all-answered test "$answered" -eq "$total"
check concurrent.all-complete test "$complete" -eq "$total"
# Polls every 0.5 s: the count over the run must match the clock.
ms=$(( (t1 - t0) / 1000000 ))
want=$((ms / 500))
got=$((p1 - p0))
# Slack for a loaded machine: 80% of the polls the clock allows, minus
# one; at most two more than it allows (each body was rendered up to one
# interval before it was fetched).
if [ "$got" -ge $((want * 8 / 10 - 1)) ] && [ "$got" -le $((want + 2)) ]; then
	ok concurrent.polls-on-schedule
else
	bad concurrent.polls-on-schedule "$got polls in $ms ms, expected about $want"
fi
last=$(metric "$tmp/c1.txt" lvsd_last_successful_poll_timestamp_seconds)
# The last poll is at most a few intervals old once the burst is over
# (10 intervals: a loaded machine may delay the poller, not stop it).
if awk -v l="$last" -v n="$now" 'BEGIN { exit !(n - l < 5) }'; then
	ok concurrent.last-poll-recent
else
	bad concurrent.last-poll-recent "last successful poll at $last, now $now"
fi

# --- TLS and basic auth --------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
echo "prom:$(openssl passwd -6 s3cret)" > "$tmp/users"
tport=$(port)
cat > "$tmp/tls.conf" <<EOC
exporter = { listen = "127.0.0.1:$tport"; tls_cert = "$tmp/cert.pem"; tls_key = "$tmp/key.pem";
             auth_file = "$tmp/users"; };
EOC
lport=$tport
if start_lvsd "$tmp/tls.log" https --config "$tmp/tls.conf" --replay "$rec" --loop; then
	turl=https://127.0.0.1:$tport
	check tls.auth-required test "$(curl -sk -o /dev/null -w '%{http_code}' "$turl/metrics")" = 401
	check tls.wrong-password test "$(curl -sk -u prom:nope -o /dev/null -w '%{http_code}' "$turl/metrics")" = 401
	check tls.scrape sh -c "curl -sf --cacert '$tmp/cert.pem' -u prom:s3cret '$turl/metrics' | promtool check metrics"
	check tls.plain-http-refused sh -c "! curl -sf -o /dev/null 'http://127.0.0.1:$tport/metrics'"
else
	bad tls.starts "$(tail -n 3 "$tmp/tls.log" | tr '\n' '|')"
fi

# --- clean stop ----------------------------------------------------------------
kill -TERM "$lpid"
i=0
while kill -0 "$lpid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$lpid" 2>/dev/null; then
	bad lvsd.sigterm-stops "still running 5 s after SIGTERM"
else
	wait "$lpid"
	check lvsd.sigterm-stops test $? -eq 0
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
