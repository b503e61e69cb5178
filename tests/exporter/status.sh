#!/bin/sh
# Host tests of lvsd's status page: lvsd replays a recording of every kind
# of service (IPv4, IPv6, firewall marks of both families, UDP, SCTP) with
# health checks against local listeners (one answers, one port is closed),
# real servers at weight 0 with and without connections, and rrd history.
# The page shows every state with its colour class and the check's reason,
# readable titles, rates and sparklines, graph links at a 1-hour range,
# auto-refresh that turns off, a filter and pages; bad arguments are 400s;
# before the first good poll it says why. A 10,000 x 10 recording keeps
# its first page under 2 MB. Headless Chromium takes a screenshot of each
# (1400x1000), kept when SHOTS=DIR is set.
#
# usage: BUILD_DIR=build [SHOTS=DIR] sh tests/exporter/status.sh
# Needs $BUILD_DIR/lvsd, $BUILD_DIR/bench/bench_exporter, curl, jq,
# busybox, chromium (tests/deps.sh installs them).
set -u

build=${BUILD_DIR:-build}
lvsd=$build/lvsd
gen=$build/bench/bench_exporter

. "$(dirname "$0")/lib.sh"

need_bins "status page tests" "$lvsd" "$gen"
need_tools "status page tests" curl jq busybox chromium od

tmp=$(mktemp -d /tmp/lvsd_status_XXXXXX)
cleanup() {
	stop_pids
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# start_lvsd LOG ARGS...: start lvsd on a free port, set $lpid and $url;
# wait until it answers.
start_lvsd() {
	log=$1
	shift
	lport=$(port)
	"$lvsd" "$@" --listen "127.0.0.1:$lport" 2>"$log" &
	lpid=$!
	pids="$pids $lpid"
	url=http://127.0.0.1:$lport
	i=0
	while [ $i -lt 600 ]; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/")" = 200 ] && return 0
		kill -0 "$lpid" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
stop_lvsd() {
	kill "$lpid" 2>/dev/null
	wait "$lpid" 2>/dev/null
}

# shot NAME URL: a 1400x1000 screenshot; a PNG that exists and is not tiny.
shot() {
	prof=$(mktemp -d "$tmp/chromium_XXXXXX")
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --window-size=1400,1000 --screenshot="$tmp/$1.png" "$2" \
		>"$tmp/$1.chromium.log" 2>&1
	check "shot.$1" sh -c "[ \$(wc -c < '$tmp/$1.png') -gt 20000 ]"
	if [ -n "${SHOTS:-}" ] && [ -f "$tmp/$1.png" ]; then
		mkdir -p "$SHOTS" && cp "$tmp/$1.png" "$SHOTS/$1.png"
	fi
}

# --- a recording with every state -------------------------------------------
"$gen" --gen "$tmp/base.jsonl" --services 12 --dests 3 --lines 400 --mixed ||
	{ echo "cannot generate a recording" >&2; exit 2; }
# Service 6 (TCP 10.0.0.7:80): one real server drained (weight 0, active
# connections left), one quiesced (weight 0, none).
# Connection counters that grow at a rate that swings, so the sparklines
# have a shape: 40 to 160 more a poll, by line number.
jq -c -n 'foreach inputs as $l (-1; . + 1; . as $i | $l
     | (.services[].stats.conns, .services[].real_servers[].stats.conns) |=
         . + (100 * $i + 60 * ($i / 6 | sin) * 6 | floor)
     | .services[6].real_servers[0].weight = 0
     | .services[6].real_servers[1].weight = 0
     | .services[6].real_servers[1].active_conns = 0)' "$tmp/base.jsonl" > "$tmp/lab.jsonl" ||
	{ echo "cannot edit the recording" >&2; exit 2; }

mkdir -p "$tmp/www"
echo ok > "$tmp/www/index.html"
hport=$(port)
busybox httpd -f -p "127.0.0.1:$hport" -h "$tmp/www" &
pids="$pids $!"
closed=$(port) # nothing listens there

cat > "$tmp/lvsd.conf" <<EOC
daemon = { interval = 0.5; };
history = { directory = "$tmp/rrd"; real_servers = true; };
services = (
  { service = "tcp:10.0.0.1:80";
    check = { type = "http"; address = "127.0.0.1"; port = $hport; path = "/";
              expect_status = 200; interval = 0.3; timeout = 0.5; rise = 1; fall = 1; }; },
  { service = "udp:10.0.0.5:53";
    check = { type = "tcp"; address = "127.0.0.1"; port = $closed;
              interval = 0.3; timeout = 0.5; rise = 1; fall = 1; }; },
  { service = "tcp:10.0.0.7:80";
    check = { type = "tcp"; address = "127.0.0.1"; port = $hport;
              interval = 0.3; timeout = 0.5; rise = 1; fall = 1; }; }
);
EOC

if start_lvsd "$tmp/lvsd.log" --config "$tmp/lvsd.conf" --replay "$tmp/lab.jsonl" --loop; then
	ok lvsd.starts
else
	bad lvsd.starts "$(tail -n 3 "$tmp/lvsd.log" | tr '\n' '|')"
	echo "$passed passed, $failed failed"
	exit 1
fi
# Checks decided and a few polls of samples for the sparklines.
sleep 5
page=$tmp/page.html
curl -sf "$url/" > "$page"

# States, each with its colour class, and the reason of the failing check.
check page.state-up grep -q '<tr class="up"><td class="l rs">172.16.0.0:80</td><td class="l st">up<' "$page"
check page.state-down grep -q '<tr class="down"><td class="l rs">[0-9.]*:53</td><td class="l st">down<' "$page"
check page.state-draining grep -q '<tr class="drain">.*<td class="l st">draining<' "$page"
check page.state-quiesced grep -q '<tr class="maint">.*<td class="l st">quiesced<' "$page"
check page.state-not-checked grep -q '<tr class="nochk">.*<td class="l st">not checked<' "$page"
check page.down-reason sh -c "grep '<tr class=\"down\">' '$page' | grep -q '>down: [a-z]'"
check page.service-all-down grep -q 'UDP 10.0.0.5:53</a></td><td class="l st"><span[^>]*>all down' "$page"
check page.last-change grep -q '<td title="since [0-9-]* [0-9:]* UTC">[0-9]*s</td>' "$page"
# Readable titles, never internal ids as text.
check page.titles sh -c "grep -q '>TCP 10.0.0.1:80<' '$page' && grep -q '>TCP \[2001:db8:f::2\]:443<' '$page' && grep -q '>FWM 1 (IPv6)<' '$page' && grep -q '>SCTP 10.0.0.6:80<' '$page'"
check page.no-id-as-text sh -c "! grep -q '>tcp-10.0.0.1-80<' '$page'"
# Rates, sparklines and graphs on demand at a 1-hour range.
check page.rates sh -c "grep '<tr class=\"svc\" id=\"tcp-10.0.0.1-80\">' '$page' | grep -q '<td>[0-9.]*[kM]\{0,1\}</td><td>[0-9.]*[kMG]</td>'"
n_rows=$(grep -c '<tr class="\(up\|down\|drain\|maint\|nochk\|svc\)"' "$page")
n_spark=$(grep -c '<svg width="64" height="14"><title>new connections/s, last [0-9]* polls' "$page")
check page.sparkline-per-row test "$n_spark" -eq "$n_rows" -a "$n_rows" -eq 48
check page.graph-links-1h sh -c "grep -q 'href=\"graph/service/tcp-10.0.0.1-80.png?metric=conns&amp;range=1h' '$page' && ! grep -q 'range=1d&amp;width' '$page'"
check page.no-inline-graphs sh -c "! grep -q '<img' '$page'"
check page.no-nan sh -c "! grep -qi 'nan' '$page'"
# The data behind the linked graph: a fresh daemon has values in the last hour.
check graph.1h-has-values sh -c "curl -sf '$url/api/v1/history?service=tcp-10.0.0.1-80&range=1h' | jq -e '[.rows[] | select(.[1] != null)] | length > 0'"
check graph.1h-png sh -c "curl -sf -o '$tmp/g.png' '$url/graph/service/tcp-10.0.0.1-80.png?metric=conns&range=1h&width=1000&height=300' && [ \$(wc -c < '$tmp/g.png') -gt 1000 ]"
check page.no-script sh -c "! grep -qi '<script' '$page'"
# Auto-refresh, and the link that turns it off.
check refresh.on grep -q '<meta http-equiv="refresh" content="10">' "$page"
check refresh.off-link grep -q 'href="?range=1h&amp;refresh=0">turn off' "$page"
check refresh.off sh -c "curl -sf '$url/?refresh=0' | grep -q 'auto-refresh off' && ! curl -sf '$url/?refresh=0' | grep -q 'http-equiv'"
# Filter: by address, and by state word.
curl -sf "$url/?q=10.0.0.5" > "$tmp/f.html"
check filter.one-service sh -c "[ \$(grep -c '<tr class=\"svc\"' '$tmp/f.html') -eq 1 ] && grep -q 'UDP 10.0.0.5:53' '$tmp/f.html'"
check filter.kept-in-box grep -q 'name="q" [^>]*value="10.0.0.5"' "$tmp/f.html"
check filter.by-state sh -c "curl -sf '$url/?q=draining' | grep -c '<tr class=\"svc\"' | grep -qx 1"
check filter.escaped sh -c "curl -sf '$url/?q=%3Cb%3E' | grep -q 'value=\"&lt;b&gt;\"'"
# Pages.
curl -sf "$url/?n=5&page=2" > "$tmp/p2.html"
check pages.size sh -c "[ \$(grep -c '<tr class=\"svc\"' '$tmp/p2.html') -eq 5 ] && grep -q 'page 2 of 3' '$tmp/p2.html'"
check pages.second-starts-at-6 sh -c "grep '<tr class=\"svc\"' '$tmp/p2.html' | head -1 | grep -q 'TCP \[2001:db8:f::2\]:443' || grep '<tr class=\"svc\"' '$tmp/p2.html' | head -1 | grep -q 'SCTP 10.0.0.6:80'"
check pages.link-keeps-view grep -q 'href="?range=1h&amp;n=5&amp;refresh=10&amp;page=3">3</a>' "$tmp/p2.html"
# Bad arguments.
code() { curl -s -o /dev/null -w '%{http_code}' "$url$1"; }
check args.bad-page test "$(code '/?page=0')" = 400
check args.bad-n test "$(code '/?n=5000')" = 400
check args.bad-refresh test "$(code '/?refresh=1')" = 400
check args.bad-filter test "$(code '/?q=%01')" = 400
check args.unknown test "$(code '/?foo=1')" = 400
check args.bad-range test "$(code '/?range=1m')" = 400

shot status-page "$url/?refresh=0"
n=$(curl -sf "$url/?refresh=0" | grep -o 'href="graph/service/tcp-10.0.0.1-80.png[^"]*' | head -1 | sed 's/^href="//; s/&amp;/\&/g')
shot status-graph "$url/$n"
stop_lvsd

# --- before the first good poll: the cause ---------------------------------
printf 'not json\n' > "$tmp/bad.jsonl"
start_lvsd "$tmp/bad.log" --replay "$tmp/bad.jsonl" --loop --interval 0.2
sleep 0.6
# The collector's own words: the line that failed, or that the recording
# ended without a good one.
check nopoll.cause sh -c "curl -sf '$url/' | grep -Eq 'No successful poll of the IPVS table yet: $tmp/bad.jsonl(:1: not valid JSON|: end of recording)'"
stop_lvsd

# --- 10,000 services x 10 real servers -------------------------------------
"$gen" --gen "$tmp/big.jsonl" --services 10000 --dests 10 --lines 8 ||
	{ echo "cannot generate the large recording" >&2; exit 2; }
start_lvsd "$tmp/big.log" --replay "$tmp/big.jsonl" --loop --interval 1
# A poll of this table takes a second or more here: wait until the
# sparklines have five samples, 90 s at most.
i=0
while [ $i -lt 90 ] && ! curl -sf "$url/?refresh=0" | grep -q 'last [5-9] polls'; do sleep 1; i=$((i + 1)); done
curl -sf -o "$tmp/big.html" -w '%{time_total}\n' "$url/" > "$tmp/big.time"
size=$(wc -c < "$tmp/big.html")
echo "# 10,000 x 10: first page $size bytes in $(cat "$tmp/big.time") s"
check big.first-page-under-2mb test "$size" -lt 2000000
check big.first-page-100-services test "$(grep -c '<tr class="svc"' "$tmp/big.html")" -eq 100
check big.has-100-pages grep -q 'page 1 of 100:' "$tmp/big.html"
check big.last-page sh -c "curl -sf '$url/?page=100' | grep -c '<tr class=\"svc\"' | grep -qx 100"
check big.filter-across-pages sh -c "curl -sf '$url/?q=10.0.39.15:80' | grep -c '<tr class=\"svc\"' | grep -qx 1"
check big.no-nan sh -c "! grep -qi 'nan' '$tmp/big.html'"
check big.sparklines test "$(grep -c '<polyline' "$tmp/big.html")" -eq 1100
shot status-page-10000x10 "$url/?refresh=0"
stop_lvsd

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
