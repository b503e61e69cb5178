# Unloading ip_vs under a running lvstop: a clear message naming ip_vs while
# it is gone, the output marked stale, recovery when it returns, no crash.
# And a single `lvstop --once` with ip_vs absent fails with a clear message.
#
# The kernel loads ip_vs by itself when anyone looks up its generic netlink
# family (alias net-pf-16-proto-16-family-IPVS), so while ip_vs is meant to
# be gone, module autoloading is switched off, as on a host where the
# module is unavailable.
. /lab/lib.sh

autoload() { # on|off
	if [ "$1" = on ]; then
		echo /sbin/modprobe > /proc/sys/kernel/modprobe
	else
		echo /bin/false > /proc/sys/kernel/modprobe
	fi
}

lab_have_lvstop || exit 0
lab_check topology.nat lab_nat || exit 0
lab_check traffic lab_traffic "$LAB_NAT_VIP" 80 4

# 12 frames, 1 s apart, from one collector.
out=/tmp/unload.json
err=/tmp/unload.err
lvstop --once --json -n 12 -d 1 > "$out" 2> "$err" &
pid=$!
sleep 3
autoload off
lab_check unload.rmmod lab_unload_ipvs
sleep 3
lab_check unload.stayed-gone sh -c '! grep -q "^ip_vs " /proc/modules'
autoload on
lab_check reload.modprobe modprobe ip_vs
ipvsadm -A -t 203.0.113.99:80 -s rr
ipvsadm -a -t 203.0.113.99:80 -r "192.0.2.11:80" -m -w 7
wait "$pid"
rc=$?
lab_eq batch.exit 0 "$rc"

frames=$(jq -s length "$out" 2>/dev/null)
lab_eq batch.frames 12 "$frames"
lab_check batch.first-has-service jq -s -e \
	'.[0].services | any(.protocol == "tcp" and .address == "203.0.113.10" and .port == 80)' "$out"
lab_check batch.first-not-stale jq -s -e '.[0].stale != true' "$out"
lab_check batch.stale-while-unloaded jq -s -e 'any(.[]; .stale == true)' "$out"
lab_check batch.message-names-ip_vs grep -q 'ip_vs' "$err"
lab_check batch.last-not-stale jq -s -e '.[-1].stale != true' "$out"
lab_check batch.last-has-readded jq -s -e \
	'.[-1].services | any(.protocol == "tcp" and .address == "203.0.113.99" and .port == 80
		and (.real_servers | any(.address == "192.0.2.11" and .weight == 7)))' "$out"
lab_check batch.last-without-flushed jq -s -e \
	'.[-1].services | all(.address != "203.0.113.10")' "$out"
echo "--- lvstop stderr:"
cat "$err"

# A single run with ip_vs absent.
autoload off
lab_unload_ipvs
lab_check absent.unloaded sh -c '! grep -q "^ip_vs " /proc/modules'
lvstop --once > /tmp/absent.out 2> /tmp/absent.err
rc=$?
lab_check absent.exit-nonzero test "$rc" -ne 0
lab_check absent.not-crashed test "$rc" -lt 128
lab_check absent.message-names-ip_vs grep -q 'ip_vs' /tmp/absent.err
lab_check absent.message-says-modprobe grep -q 'modprobe ip_vs' /tmp/absent.err
echo "--- lvstop --once with ip_vs absent (exit $rc):"
cat /tmp/absent.err

# And --json the same way.
lvstop --once --json > /tmp/absent.json 2> /tmp/absent.jerr
rc=$?
lab_check absent.json-exit-nonzero test "$rc" -ne 0
lab_check absent.json-message grep -q 'ip_vs' /tmp/absent.jerr
