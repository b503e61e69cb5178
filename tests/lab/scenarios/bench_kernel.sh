# lab-timeout: 7200
# The kernel benchmark (make bench, bench/lab_kernel.sh; not in the lab's
# default list): a table of S services x R real servers loaded with
# ipvsadm -R, then, in this one VM, lvstop and lvsd against their peers on
# the same kernel:
#   lvstop --once --exact   vs  ipvsadm -Ln --stats --exact
#   lvstop --json           vs  ipvsadm -Ln --stats --exact
#   lvstop save             vs  ipvsadm -Sn
#   lvsd's /metrics, plain and gzip, vs node_exporter's ipvs collector: with
#   lvsd's defaults (polls running, and between polls), and with
#   node_exporter's per-real-server families only (the same information)
#   lvsd's poll duration, lvsd's and the console's peak memory (VmHWM)
# Each command runs N times, interleaved with its peer; figures are
# medians. Times are the emulator's (TCG): only the ratios carry over to a
# real machine. Prints "BENCH NAME VALUE UNIT" and "BENCH NAME ratio X vs
# PEER" lines, which bench/lab_kernel.sh hands on; the checks (LAB ok) are
# only that each run produced the whole table.
# /lab/bench.env (added to the image by bench/lab_kernel.sh) may set
# BENCH_SERVICES, BENCH_REAL_SERVERS, BENCH_RUNS. With
# /usr/bin/lvstop-baseline in the image (BENCH_BASELINE), that build runs
# beside this one, interleaved: before and after on the same machine.
. /lab/lib.sh
. /lab/table.sh
[ -r /lab/bench.env ] && . /lab/bench.env
S=${BENCH_SERVICES:-10000}
R=${BENCH_REAL_SERVERS:-10}
N=${BENCH_RUNS:-5}
NODE=/usr/bin/prometheus-node-exporter
BASE=/usr/bin/lvstop-baseline
[ -x "$BASE" ] || BASE=

lab_have_lvstop bench.lvstop || exit 0
command -v lvsd >/dev/null 2>&1 || { lab_fail bench.lvsd "build/lvsd is not in the image"; exit 0; }
echo "BENCH kernel_table $S x $R services x real servers"
lab_table_load bench.load "$S" "$R" || exit 0

# bench_run NAME CMD...: run CMD once (stdout to /tmp/bench.NAME.out),
# append its wall time (s) to /tmp/bench.NAME.t and its peak memory
# (maximum resident set size: the VmHWM at exit, KiB) to /tmp/bench.NAME.m.
# lab-time, not busybox's time: that one prints ru_maxrss four times too
# large (it takes the KiB for pages).
bench_run() {
	_n=$1
	shift
	lab-time /tmp/bench.time "$@" > "/tmp/bench.$_n.out" 2>/tmp/bench.err ||
		lab_fail "bench.$_n.exit" "$* failed: $(tail -n 2 /tmp/bench.err)"
	tail -n 1 /tmp/bench.time | cut -d' ' -f1 >> "/tmp/bench.$_n.t"
	tail -n 1 /tmp/bench.time | cut -d' ' -f2 >> "/tmp/bench.$_n.m"
}

# median FILE: the median of the numbers in FILE, one a line.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio NAME A B PEER: "BENCH NAME ratio B/A vs PEER" (A ours, B the peer's
# median time).
ratio() {
	awk -v n="$1" -v a="$2" -v b="$3" -v p="$4" 'BEGIN {
		if (a > 0) printf "BENCH %s ratio %.2f vs %s\n", n, b / a, p
		else printf "BENCH %s ratio unmeasurable (%s s under the clock resolution) vs %s\n", n, a, p }'
}

ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }

# runs NAME OURS PEER: the lowest and highest of the per-run ratios (PEER
# time / OURS time, run i of each: they ran one after the other), so that
# a median that is near a goal shows how far the runs spread.
runs() {
	paste "$3" "$2" | awk -v n="$1" '$2 > 0 { r = $1 / $2; if (!c || r < lo) lo = r; if (!c || r > hi) hi = r; c++ }
		END { if (c) {
			printf "BENCH %s_runs_lowest %.2f x (of %d runs, each against the peer run beside it)\n", n, lo, c
			printf "BENCH %s_runs_highest %.2f x (of %d runs, each against the peer run beside it)\n", n, hi, c } }'
}

rm -f /tmp/bench.*
# One untimed run of each first: every program and library is paged in.
for c in "ipvsadm -Ln --stats --exact" "lvstop --once --exact" "lvstop --json" "ipvsadm -Sn" "lvstop save"; do
	$c > /dev/null 2>&1
done
i=0
while [ $i -lt "$N" ]; do
	bench_run ipvsadm_list ipvsadm -Ln --stats --exact
	bench_run once lvstop --once --exact
	bench_run json lvstop --json
	bench_run ipvsadm_save ipvsadm -Sn
	bench_run save lvstop save
	if [ -n "$BASE" ]; then
		bench_run base_once "$BASE" --once --exact
		bench_run base_json "$BASE" --json
		bench_run base_save "$BASE" save
	fi
	i=$((i + 1))
done
# Every run saw the whole table.
lab_eq bench.once-table "$((S * R))" "$(grep -c '^  -> [0-9]' /tmp/bench.once.out)"
lab_eq bench.json-table "$((S * R))" "$(grep -o '"weight":' /tmp/bench.json.out | wc -l)"
lab_cmp bench.save-table "$(sort /tmp/bench.ipvsadm_save.out | md5sum)" "$(sort /tmp/bench.save.out | md5sum)"
lab_eq bench.ipvsadm-table "$((S * R))" "$(grep -c '^  -> [0-9]' /tmp/bench.ipvsadm_list.out)"

t_ipl=$(median /tmp/bench.ipvsadm_list.t)
t_once=$(median /tmp/bench.once.t)
t_json=$(median /tmp/bench.json.t)
t_ips=$(median /tmp/bench.ipvsadm_save.t)
t_save=$(median /tmp/bench.save.t)
echo "BENCH kernel_ipvsadm_list $(ms "$t_ipl") ms (TCG, median of $N)"
echo "BENCH kernel_once_exact $(ms "$t_once") ms (TCG, median of $N)"
echo "BENCH kernel_json $(ms "$t_json") ms (TCG, median of $N)"
echo "BENCH kernel_ipvsadm_save $(ms "$t_ips") ms (TCG, median of $N)"
echo "BENCH kernel_save $(ms "$t_save") ms (TCG, median of $N)"
ratio kernel_once_exact "$t_once" "$t_ipl" "ipvsadm -Ln --stats --exact"
ratio kernel_json "$t_json" "$t_ipl" "ipvsadm -Ln --stats --exact"
ratio kernel_save "$t_save" "$t_ips" "ipvsadm -Sn"
runs kernel_once_exact /tmp/bench.once.t /tmp/bench.ipvsadm_list.t
runs kernel_json /tmp/bench.json.t /tmp/bench.ipvsadm_list.t
runs kernel_save /tmp/bench.save.t /tmp/bench.ipvsadm_save.t
if [ -n "$BASE" ]; then
	lab_cmp bench.baseline-once "$(sed 1d /tmp/bench.base_once.out | md5sum)" "$(sed 1d /tmp/bench.once.out | md5sum)"
	lab_cmp bench.baseline-json "$(sed 's/^{"time":[^,]*,//' /tmp/bench.base_json.out | md5sum)" \
		"$(sed 's/^{"time":[^,]*,//' /tmp/bench.json.out | md5sum)"
	for f in once json save; do
		t=$(median "/tmp/bench.base_$f.t")
		echo "BENCH kernel_baseline_$f $(ms "$t") ms (TCG, median of $N)"
	done
	ratio kernel_baseline_once_exact "$(median /tmp/bench.base_once.t)" "$t_ipl" "ipvsadm -Ln --stats --exact"
	ratio kernel_baseline_json "$(median /tmp/bench.base_json.t)" "$t_ipl" "ipvsadm -Ln --stats --exact"
	ratio kernel_baseline_save "$(median /tmp/bench.base_save.t)" "$t_ips" "ipvsadm -Sn"
	ratio kernel_once_exact_speedup "$t_once" "$(median /tmp/bench.base_once.t)" "the baseline build"
	ratio kernel_json_speedup "$t_json" "$(median /tmp/bench.base_json.t)" "the baseline build"
	echo "BENCH kernel_baseline_json_peak_rss $(($(median /tmp/bench.base_json.m) / 1024)) MiB (baseline lvstop --json)"
fi
echo "BENCH kernel_once_peak_rss $(($(median /tmp/bench.once.m) / 1024)) MiB (lvstop --once --exact, VmHWM at exit)"
echo "BENCH kernel_json_peak_rss $(($(median /tmp/bench.json.m) / 1024)) MiB (lvstop --json, VmHWM at exit)"
echo "BENCH kernel_ipvsadm_peak_rss $(($(median /tmp/bench.ipvsadm_list.m) / 1024)) MiB (ipvsadm -Ln --stats --exact)"
# The guest has 512 MiB: the outputs go before lvsd's bodies come.
rm -f /tmp/bench.*.out /tmp/rules

# The full-screen console under tmux (200x60), its peak memory after it
# drew the table and polled a few more times.
if command -v tmux >/dev/null 2>&1; then
	tmux new-session -d -s bench -x 200 -y 60 "TERM=xterm-256color lvstop; sleep 3600"
	drawn=0
	i=0
	while [ $i -lt 300 ]; do
		tmux capture-pane -p -t bench > /tmp/bench.screen 2>/dev/null
		grep -q '10\.0\.0\.0:80' /tmp/bench.screen && { drawn=1; break; }
		sleep 1
		i=$((i + 1))
	done
	lab_eq bench.console-drawn 1 "$drawn"
	sleep 10
	cpid=$(pidof lvstop | cut -d' ' -f1)
	if [ -n "$cpid" ]; then
		hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$cpid/status")
		echo "BENCH kernel_console_peak_rss $((hwm / 1024)) MiB (lvstop under tmux 200x60, VmHWM after the first polls)"
		tmux send-keys -t bench q
		sleep 2
	fi
	tmux kill-server 2>/dev/null
fi

# scrape NAME PORT [gzip]: one timed scrape of /metrics, the time appended
# to /tmp/bench.NAME.t. lab-scrape times it from connect() to the last byte
# in one process that makes every request (a scraper's cost, not that of
# starting a client: under TCG, starting busybox wget costs more than a
# small scrape). The body is not kept: keep NAME PORT [gzip] fetches one
# to /tmp/bench.NAME.out, untimed.
scrape() {
	lab-scrape "$2" /metrics 1 $3 2>/tmp/bench.err | cut -d' ' -f1 >> "/tmp/bench.$1.t" ||
		lab_fail "bench.$1.scrape" "$(cat /tmp/bench.err)"
	[ -s /tmp/bench.err ] && lab_fail "bench.$1.scrape" "$(cat /tmp/bench.err)"
	return 0
}
keep() {
	lab-scrape "$2" /metrics 1 $3 -o "/tmp/bench.$1.out" >/dev/null 2>/tmp/bench.err ||
		lab_fail "bench.$1.keep" "$(cat /tmp/bench.err)"
}

# exported GZ: 1 once the lvsd on 9587 exports every service of the table
# (its gzip body left in GZ), 0 when it does not within 600 s.
exported() {
	i=0
	while [ $i -lt 600 ]; do
		lab-scrape 9587 /metrics 1 gzip -o "$1" >/dev/null 2>&1 &&
			gunzip -c "$1" | grep -q "^ipvs_services $S\$" && { echo 1; return; }
		sleep 1
		i=$((i + 1))
	done
	echo 0
}
# scrapes NAME PORT: N timed scrapes of the exporter on PORT, plain and
# gzip in turn (NAME_plain, NAME_gzip).
scrapes() {
	i=0
	while [ $i -lt "$N" ]; do
		scrape "$1_plain" "$2"
		scrape "$1_gzip" "$2" gzip
		i=$((i + 1))
	done
}

# lvsd with its built-in defaults (no configuration file).
lvsd 2>/tmp/lvsd.log &
LVSD=$!
got=$(exported /tmp/bench.defaults.gz)
rm -f /tmp/bench.defaults.gz
lab_eq bench.lvsd-exported 1 "$got" || { tail -n 5 /tmp/lvsd.log; kill "$LVSD"; exit 0; }
# The peak by phase, VmHWM started again between them (writing 5 to
# clear_refs starts it from VmRSS): the start, until every service is
# exported; the timed scrapes below; then 40 s of polls and renders with
# no scrape at all. The scrapes keep the place they always had in lvsd's
# life. The peak is the largest of the three.
hwm_of() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$LVSD/status"; }
hwm_start=$(hwm_of)
echo 5 > "/proc/$LVSD/clear_refs"
rm -f /tmp/bench.poll
i=0
while [ $i -lt "$N" ]; do
	scrape lvsd_plain 9587
	scrape lvsd_gzip 9587 gzip
	keep lvsd_gzip 9587 gzip
	gunzip -c /tmp/bench.lvsd_gzip.out | awk '$1 == "lvsd_poll_duration_seconds" { print $2 }' >> /tmp/bench.poll
	i=$((i + 1))
done
keep lvsd_plain 9587
lab_eq bench.lvsd-real-servers "$((S * R))" "$(awk '$1 == "ipvs_real_servers" { print $2 }' /tmp/bench.lvsd_plain.out)"
weights=$(grep -c '^ipvs_real_server_weight{' /tmp/bench.lvsd_plain.out)
lab_eq bench.lvsd-gzip "$weights" "$(gunzip -c /tmp/bench.lvsd_gzip.out | grep -c '^ipvs_real_server_weight{')"
series=$(grep -vc '^#' /tmp/bench.lvsd_plain.out)
body=$(($(wc -c < /tmp/bench.lvsd_plain.out) / 1024))
gzbody=$(($(wc -c < /tmp/bench.lvsd_gzip.out) / 1024))
rm -f /tmp/bench.lvsd_*.out
hwm_scrapes=$(hwm_of)
rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$LVSD/status")
# Where the resident memory is now, by kind of mapping: the main heap,
# anonymous mappings (other threads' malloc arenas, blocks of 1 MiB and
# more in their own mappings: snapshots, rings, bodies; stacks) and files
# (the program and its libraries); "KIND KiB" per mapping.
awk '/^[0-9a-f]+-[0-9a-f]+ / { k = NF < 6 ? "anon" : $6 == "[heap]" ? "heap" : $6 ~ /^\[/ ? "anon" : "file"; next }
	$1 == "Rss:" { print k, $2 }' "/proc/$LVSD/smaps" > /tmp/bench.smaps
echo 5 > "/proc/$LVSD/clear_refs"
# lab-memwatch samples VmRSS every 50 ms through the phase and keeps the
# mappings of its largest moment: where the peak is.
lab-memwatch "$LVSD" 40 50 1024 > /tmp/bench.memwatch 2>&1 || lab_fail bench.memwatch "$(cat /tmp/bench.memwatch)"
hwm_polls=$(hwm_of)
hwm=$(printf '%s\n' "$hwm_start" "$hwm_scrapes" "$hwm_polls" | sort -n | tail -n 1)
kill -TERM "$LVSD"
wait "$LVSD"
t_lp=$(median /tmp/bench.lvsd_plain.t)
t_lg=$(median /tmp/bench.lvsd_gzip.t)
echo "BENCH kernel_lvsd_series $series series (lvsd defaults)"
echo "BENCH kernel_lvsd_body $body KiB (plain; gzip $gzbody KiB)"
echo "BENCH kernel_lvsd_scrape $(ms "$t_lp") ms (TCG, connect to last byte, median of $N)"
echo "BENCH kernel_lvsd_scrape_gzip $(ms "$t_lg") ms (TCG, connect to last byte, median of $N)"
echo "BENCH kernel_lvsd_poll $(ms "$(median /tmp/bench.poll)") ms (TCG, lvsd_poll_duration_seconds, median of $N scrapes)"
echo "BENCH kernel_lvsd_peak_rss $((hwm / 1024)) MiB (the largest VmHWM of the phases below; VmRSS $((rss / 1024)) MiB after the scrapes)"
echo "BENCH kernel_lvsd_peak_rss_mb $(awk -v k="$hwm" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }') MB"
echo "BENCH kernel_lvsd_peak_rss_start $((hwm_start / 1024)) MiB (VmHWM until every service was exported)"
echo "BENCH kernel_lvsd_peak_rss_scrapes $((hwm_scrapes / 1024)) MiB (VmHWM over the $N plain and $N gzip scrapes)"
echo "BENCH kernel_lvsd_peak_rss_polls $((hwm_polls / 1024)) MiB (VmHWM over 40 s of polls and renders after them, no scrape)"
rss_of() { awk -v k="$1" '$1 == k { s += $2 } END { printf "%.1f", s / 1024 }' /tmp/bench.smaps; }
largest=$(awk '$1 == "anon" && $2 >= 1024 { printf "%.1f\n", $2 / 1024 }' /tmp/bench.smaps | sort -rn | head -n 6 |
	tr '\n' ' ' | sed 's/ $//; s/ /, /g')
echo "BENCH kernel_lvsd_rss_anon $(rss_of anon) MiB (VmRSS after the scrapes: anonymous mappings; the largest $largest MiB)"
echo "BENCH kernel_lvsd_rss_heap $(rss_of heap) MiB (VmRSS after the scrapes: the main heap)"
echo "BENCH kernel_lvsd_rss_files $(rss_of file) MiB (VmRSS after the scrapes: lvsd and its libraries)"
awk '$1 == "peak" { printf "BENCH kernel_lvsd_polls_peak_rss %.1f MiB (the largest VmRSS sampled every 50 ms over the polls phase, at %s s; its mappings follow)\n", $2 / 1024, $4 }
	$1 == "map" { printf "BENCH kernel_lvsd_polls_peak_map %.1f MiB (%s of %.1f MiB mapped%s%s)\n", $2 / 1024, $4, $3 / 1024, ($5 == "-" ? "" : ": " $5), ($6 > 0 ? sprintf("; %.1f MiB in huge pages", $6 / 1024) : "") }
	$1 == "rest" { printf "BENCH kernel_lvsd_polls_peak_rest %.1f MiB (mappings under 1 MiB resident)\n", $2 / 1024 }
	$1 == "thp" { printf "BENCH kernel_lvsd_polls_peak_thp %.1f MiB (of the peak, in transparent huge pages)\n", $2 / 1024 }' /tmp/bench.memwatch

# The same scrapes with no poll running beside them. The guest has one
# emulated CPU, and a poll of a large table outlasts the 2 s interval under
# TCG (kernel_lvsd_poll), so with the defaults lvsd polls without pause
# and every scrape above shares that CPU with a poll; on a director the
# poll takes a fraction of the interval, on another core. Here lvsd polls
# once (interval 1 hour) and is then scraped: what a scrape itself costs
# the exporter, as node_exporter's scrape is all of its work.
lvsd --interval 3600 2>/tmp/lvsd-idle.log &
LVSD=$!
lab_eq bench.lvsd-idle-exported 1 "$(exported /tmp/bench.idle.gz)"
scrapes lvsd_idle 9587
lab_eq bench.lvsd-idle-one-poll 1 "$(gunzip -c /tmp/bench.idle.gz | awk '$1 == "lvsd_polls_total" { print $2 }')"
kill -TERM "$LVSD"
wait "$LVSD"
t_ip=$(median /tmp/bench.lvsd_idle_plain.t)
t_ig=$(median /tmp/bench.lvsd_idle_gzip.t)
echo "BENCH kernel_lvsd_scrape_between_polls $(ms "$t_ip") ms (TCG, no poll running, median of $N)"
echo "BENCH kernel_lvsd_scrape_gzip_between_polls $(ms "$t_ig") ms (TCG, no poll running, median of $N)"

# The same series as node_exporter's collector (active, inactive and weight
# per real server; lvsd's per-service and own series besides), polls
# running at the default interval: the scrape for the same information.
cat > /tmp/lvsd-same.conf <<EOC
exporter = { real_server_metrics = [ "active", "inactive", "weight" ]; };
EOC
lvsd --config /tmp/lvsd-same.conf 2>/tmp/lvsd-same.log &
LVSD=$!
lab_eq bench.lvsd-same-exported 1 "$(exported /tmp/bench.same.gz)"
scrapes lvsd_same 9587
keep lvsd_same_plain 9587
lab_eq bench.lvsd-same-families 0 "$(grep -c '^ipvs_real_server_connections_total{' /tmp/bench.lvsd_same_plain.out)"
lab_eq bench.lvsd-same-weights "$((S * R))" "$(grep -c '^ipvs_real_server_weight{' /tmp/bench.lvsd_same_plain.out)"
same_series=$(grep -vc '^#' /tmp/bench.lvsd_same_plain.out)
rm -f /tmp/bench.lvsd_same_plain.out /tmp/bench.same.gz
kill -TERM "$LVSD"
wait "$LVSD"
t_sp=$(median /tmp/bench.lvsd_same_plain.t)
t_sg=$(median /tmp/bench.lvsd_same_gzip.t)
echo "BENCH kernel_lvsd_same_series $same_series series (real_server_metrics: active, inactive, weight)"
echo "BENCH kernel_lvsd_same_scrape $(ms "$t_sp") ms (TCG, polls running, median of $N)"
echo "BENCH kernel_lvsd_same_scrape_gzip $(ms "$t_sg") ms (TCG, polls running, median of $N)"

# node_exporter's ipvs collector alone, on the same table.
if [ -x "$NODE" ]; then
	"$NODE" --collector.disable-defaults --collector.ipvs --web.listen-address=127.0.0.1:9100 \
		2>/tmp/node.log &
	NPID=$!
	lab_wait_for 120 sh -c 'wget -O - http://127.0.0.1:9100/metrics 2>/dev/null | grep -q "^node_ipvs_backend_weight"'
	scrapes node 9100
	keep node_plain 9100
	kill -TERM "$NPID"
	wait "$NPID"
	lab_eq bench.node-real-servers "$((S * R))" "$(grep -c '^node_ipvs_backend_weight{' /tmp/bench.node_plain.out)"
	t_np=$(median /tmp/bench.node_plain.t)
	t_ng=$(median /tmp/bench.node_gzip.t)
	echo "BENCH kernel_node_exporter_series $(grep -vc '^#' /tmp/bench.node_plain.out) series"
	echo "BENCH kernel_node_exporter_scrape $(ms "$t_np") ms (TCG, connect to last byte, median of $N)"
	echo "BENCH kernel_node_exporter_scrape_gzip $(ms "$t_ng") ms (TCG, connect to last byte, median of $N)"
	ratio kernel_scrape "$t_lp" "$t_np" "node_exporter --collector.ipvs (both plain)"
	ratio kernel_scrape_gzip "$t_lg" "$t_ng" "node_exporter --collector.ipvs (both gzip)"
	ratio kernel_scrape_gzip_vs_plain "$t_lg" "$t_np" "node_exporter --collector.ipvs plain"
	ratio kernel_scrape_between_polls "$t_ip" "$t_np" "node_exporter --collector.ipvs (both plain; no lvsd poll running)"
	ratio kernel_scrape_same_series "$t_sp" "$t_np" "node_exporter --collector.ipvs (both plain; lvsd with node_exporter's per-real-server families)"
	ratio kernel_scrape_gzip_same_series "$t_sg" "$t_ng" "node_exporter --collector.ipvs (both gzip; lvsd with node_exporter's per-real-server families)"
	ratio kernel_scrape_gzip_between_polls "$t_ig" "$t_ng" "node_exporter --collector.ipvs (both gzip; no lvsd poll running)"
else
	echo "BENCH SKIP kernel_scrape: $NODE is not in the image (apt-get install prometheus-node-exporter on the host)"
fi
echo "BENCH kernel_guest_loadavg $(cut -d' ' -f1-3 /proc/loadavg) load (guest, at the end)"
