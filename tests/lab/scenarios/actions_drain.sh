# drain --wait under steady UDP traffic through a NAT service (udp timeout
# 3 s, so that a drained server's connections go within the scenario; TCP
# keeps TIME_WAIT entries 2 minutes): it returns once the connections are
# gone, the other server keeps serving, the state file says draining, and
# --remove deletes the server once drained (an audited del-server).
. /lab/lib.sh

lab_have_lvstop || exit 0
lab_check topology.nat lab_nat || exit 0

export LVSTOP_STATE_FILE=/tmp/lvstop-state.json
export LVSTOP_AUDIT_LOG=/tmp/lvstop-audit.log
set -- $LAB_NAT_RS
NAT1=$1 NAT2=$2

# conns DEST: connection entries to a real server (ADDR:PORT).
conns() { ipvsadm -Lnc | awk -v d="$1" 'NR > 2 && $6 == d { n++ } END { print n + 0 }'; }

lvstop timeouts 0 0 3 >/dev/null
ipvsadm -A -u "$LAB_NAT_VIP:53" -s rr
ipvsadm -a -u "$LAB_NAT_VIP:53" -r "$NAT1:53" -m -w 1
ipvsadm -a -u "$LAB_NAT_VIP:53" -r "$NAT2:53" -m -w 1
rm -f /tmp/stop-udp
(
	while [ ! -e /tmp/stop-udp ]; do
		lab_in client timeout 1 nslookup example.org "$LAB_NAT_VIP" >/dev/null 2>&1
	done
) &
(
	while [ ! -e /tmp/stop-udp ]; do
		lab_in client timeout 1 nslookup example.net "$LAB_NAT_VIP" >/dev/null 2>&1
	done
) &
sleep 2
lab_check udp.nat1-has-conns test "$(conns "$NAT1:53")" -gt 0
# UDP entries expire (3 s): count nat2's connections with the kernel's
# 64-bit counter instead (refreshed every 2 s by the estimator).
stat_conns() { ipvsadm -Ln --stats --exact | awk -v d="$1" '$2 == d { print $3 }'; }
before2=$(stat_conns "$NAT2:53")
start=$(date +%s)
out=$(lvstop drain -u "$LAB_NAT_VIP:53" -r "$NAT1" --wait --timeout 40 2>&1)
rc=$?
took=$(($(date +%s) - start))
lab_eq drain.udp-exit 0 "$rc"
lab_check drain.udp-progress sh -c "echo '$out' | grep -q 'active .* inactive .* persistent'"
lab_check drain.udp-bounded test "$took" -le 20
lab_eq drain.udp-zero "0 0" "$(ipvsadm -Ln | awk -v d="$NAT1:53" '$2 == d { print $5, $6 }')"
lab_eq drain.udp-weight 0 "$(ipvsadm -Sn | awk -v d="$NAT1:53" '$5 == d { print $8 }')"
lab_wait_stats
lab_check drain.udp-others-served test "$(stat_conns "$NAT2:53")" -gt "$before2"
lab_check drain.state-file jq -e '[.servers[] | select(.draining)] | length >= 1' "$LVSTOP_STATE_FILE"

# drain --remove on the other one: all weights 0, its entries expire, and
# it is deleted.
lab_check drain.remove lvstop drain -u "$LAB_NAT_VIP:53" -r "$NAT2" --wait --timeout 40 --remove
lab_eq drain.removed "" "$(ipvsadm -Sn | grep "$NAT2:53")"
touch /tmp/stop-udp
lab_check drain.audit grep -q '"action":"del-server"' "$LVSTOP_AUDIT_LOG"
lab_check restore.after-drain lvstop restore -u "$LAB_NAT_VIP:53" -r "$NAT1"
lab_eq restore.after-drain-weight 1 "$(ipvsadm -Sn | awk -v d="$NAT1:53" '$5 == d { print $8 }')"
wait
