#!/bin/sh
# Host side of the keepalived_pair scenario: the /metrics bodies both lvsd
# served from the real pair, before and after the MASTER's sync daemon was
# stopped (printed by the guest between markers on the serial console),
# become the input series of a `promtool test rules` case over
# share/prometheus/lvsd-alerts.yml: LvsSyncDaemonMissing must stay silent on
# the bodies from before the stop, and fire for dirA on the ones after it;
# the pair rules (both MASTER, none) stay silent throughout. Every family the
# dashboard shows beside keepalived must be in those bodies.
# usage: sh tests/lab/host/keepalived_pair.sh SERIAL_LOG   (prints LAB ok/FAIL lines)
log=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
rules=$top/share/prometheus/lvsd-alerts.yml
dash=$top/share/grafana/lvsd-directors.json
tmp=$(mktemp -d /tmp/lvsd_lab_pair_XXXXXX)
trap 'rm -rf "$tmp"' EXIT

for d in dirA dirB; do
	for ph in before after; do
		sed -n "/^LAB body-begin pair-$d-$ph\$/,/^LAB body-end pair-$d-$ph\$/p" "$log" | sed '1d;$d' > "$tmp/$d-$ph.txt"
	done
done
for f in "$tmp"/*.txt; do
	if [ ! -s "$f" ]; then
		echo "LAB FAIL pair.alert.bodies: the guest printed no $(basename "$f" .txt) body"
		exit 0
	fi
done
if ! command -v promtool >/dev/null 2>&1; then
	echo "LAB FAIL pair.alert.promtool: promtool is not installed (sh tests/deps.sh)"
	exit 0
fi
echo "LAB ok pair.alert.bodies ($(cat "$tmp"/*.txt | grep -vc '^#') samples from the real pair)"

# The series the sync and pair rules read, each with the labels Prometheus
# would add (job, instance, and the lvs_pair target label). One sample a
# minute: the bodies from before the stop from 0 to 5m, those from after
# from 6m to 15m; a series gone after the stop is marked stale.
fams='lvsd_vrrp_master|lvsd_vrrp_role|lvsd_declared_sync_daemon|ipvs_sync_daemon_info|ipvs_connection_entries|ipvs_up'
for d in dirA dirB; do
	for ph in before after; do
		grep -E "^($fams)[{ ]" "$tmp/$d-$ph.txt" | awk -v d="$d" -v ph="$ph" '{
			v = $NF; k = $0; sub(/ [^ ]*$/, "", k)
			add = "job=\"lvsd\",instance=\"" d "\",lvs_pair=\"lab\""
			if (k ~ /\{/) { sub(/\{/, "{" add ",", k) } else { k = k "{" add "}" }
			print ph "\t" k "\t" v
		}'
	done
done > "$tmp/samples"
awk -F '\t' '
	{ key[$2] = 1; val[$1, $2] = $3 }
	END {
		for (k in key) {
			b = (("before", k) in val) ? val["before", k] "x5" : "_x5"
			a = (("after", k) in val) ? val["after", k] "x9" : "stale"
			printf "%s\t%s %s\n", k, b, a
		}
	}' "$tmp/samples" | sort | awk -F '\t' '{
		k = $1; gsub(/\047/, "\047\047", k)
		printf "      - series: \047%s\047\n        values: \047%s\047\n", k, $2
	}' > "$tmp/series.yml"
{
	echo "rule_files:"
	echo "  - $rules"
	echo "evaluation_interval: 1m"
	echo "tests:"
	echo "  - interval: 1m"
	echo "    input_series:"
	cat "$tmp/series.yml"
	echo "    alert_rule_test:"
	# Before the stop: the MASTER runs its master sync daemon, long past the
	# rule's "for".
	echo "      - eval_time: 5m"
	echo "        alertname: LvsSyncDaemonMissing"
	echo "        exp_alerts: []"
	# One minute after the stop: pending, not firing yet.
	echo "      - eval_time: 7m"
	echo "        alertname: LvsSyncDaemonMissing"
	echo "        exp_alerts: []"
	echo "      - eval_time: 15m"
	echo "        alertname: LvsSyncDaemonMissing"
	echo "        exp_alerts:"
	echo "          - exp_labels: { severity: warning, job: lvsd, instance: dirA, lvs_pair: lab, vrrp_instance: VI_1 }"
	echo "            exp_annotations:"
	echo "              summary: \"dirA: MASTER of VI_1 without a master sync daemon\""
	echo "              description: \"keepalived.conf asks for lvs_sync_daemon, but the kernel of dirA runs no master sync daemon: the backup's table stays empty.\""
	for t in 5m 15m; do
		for a in LvsPairBothMaster LvsPairNoMaster; do
			echo "      - eval_time: $t"
			echo "        alertname: $a"
			echo "        exp_alerts: []"
		done
	done
} > "$tmp/pair.test.yml"
if out=$(promtool test rules "$tmp/pair.test.yml" 2>&1); then
	echo "LAB ok pair.alert.promtool ($(grep -c 'series:' "$tmp/series.yml") series: silent before the stop, LvsSyncDaemonMissing for dirA after it)"
else
	echo "LAB FAIL pair.alert.promtool: $(printf '%s' "$out" | grep -v '^ *$' | head -n 12 | tr '\n' '|')"
fi
# The rule test means something only if the bodies hold what it reads.
check_in() { # NAME FILE PATTERN
	if grep -qE "$3" "$2"; then echo "LAB ok $1"; else echo "LAB FAIL $1: no line matching '$3' in $(basename "$2")"; fi
}
check_in pair.alert.before-master-daemon "$tmp/dirA-before.txt" '^ipvs_sync_daemon_info\{state="master"'
check_in pair.alert.after-declared "$tmp/dirA-after.txt" '^lvsd_declared_sync_daemon\{'
check_in pair.alert.backup-daemon "$tmp/dirB-after.txt" '^ipvs_sync_daemon_info\{state="backup"'
if grep -q '^ipvs_sync_daemon_info{state="master"' "$tmp/dirA-after.txt"; then
	echo "LAB FAIL pair.alert.after-no-master-daemon: dirA still exports a master sync daemon"
else
	echo "LAB ok pair.alert.after-no-master-daemon"
fi

# The dashboard's families beside keepalived are real: each is a family
# (a TYPE line) of these bodies.
if command -v jq >/dev/null 2>&1; then
	missing=$(jq -r '.. | objects | select(has("expr")) | .expr' "$dash" |
		grep -oE '\b(lvsd_(declared|drift|vrrp|real_server_declared)[a-z0-9_]*|ipvs_sync_daemon_info)\b' | sort -u |
		while read -r m; do
			grep -q "^# TYPE $m " "$tmp"/*.txt || echo "$m"
		done)
	if [ -z "$missing" ]; then
		echo "LAB ok pair.dashboard-families"
	else
		echo "LAB FAIL pair.dashboard-families: not in the pair's bodies: $(echo $missing)"
	fi
else
	echo "LAB FAIL pair.dashboard-families: jq is not installed (sh tests/deps.sh)"
fi
