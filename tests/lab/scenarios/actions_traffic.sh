# Quiesce, drain and restore under steady traffic through a NAT service and
# a DR service.  New connections are counted from the kernel's connection
# table (ipvsadm -Lnc: an entry per connection, kept 2 minutes in TIME_WAIT,
# longer than this scenario), so a count is exact and immediate.
#   - after quiesce the quiesced server gets no new connection, the others do;
#   - restore brings its share back;
#   - drain --wait exits 3 when the connections are not gone by --timeout;
#   - drain --ignore-inactive returns when a held TCP connection closes,
#     with its TIME_WAIT entries still there.
# (drain --wait to zero and --remove: actions_drain.sh, over UDP.)
. /lab/lib.sh

lab_have_lvstop || exit 0
lab_check topology.nat lab_nat || exit 0
lab_check topology.dr lab_dr || exit 0

export LVSTOP_STATE_FILE=/tmp/lvstop-state.json
export LVSTOP_AUDIT_LOG=/tmp/lvstop-audit.log
set -- $LAB_NAT_RS
NAT1=$1 NAT2=$2
set -- $LAB_DR_RS
DR1=$1 DR2=$2

# conns DEST: connection entries to a real server (ADDR:PORT).
conns() { ipvsadm -Lnc | awk -v d="$1" 'NR > 2 && $6 == d { n++ } END { print n + 0 }'; }
counts() { echo "$(conns "$NAT1:80") $(conns "$NAT2:80") $(conns "$DR1:80") $(conns "$DR2:80")"; }
# scheduled DEST: connections the kernel scheduled to a real server so far.
scheduled() { ipvsadm -Ln --stats --exact | awk -v d="$1" '$1 == "->" && $2 == d { print $3 }'; }
# delta BEFORE AFTER I: the increase of the I-th count.
delta() { echo "$1" "$2" | awk -v i="$3" '{ print $(i + 4) - $i }'; }

# Steady HTTP traffic to both services until /tmp/stop exists.
(
	while [ ! -e /tmp/stop ]; do
		lab_get "$LAB_NAT_VIP" 80 >/dev/null
		lab_get "$LAB_DR_VIP" 80 >/dev/null
	done
) &

sleep 1
c0=$(counts)
sleep 3
c1=$(counts)
lab_check baseline.nat1 test "$(delta "$c0" "$c1" 1)" -gt 0
lab_check baseline.nat2 test "$(delta "$c0" "$c1" 2)" -gt 0
lab_check baseline.dr1 test "$(delta "$c0" "$c1" 3)" -gt 0

lab_check quiesce.nat1 lvstop quiesce -t "$LAB_NAT_VIP:80" -r "$NAT1"
lab_check quiesce.dr1 lvstop quiesce -t "$LAB_DR_VIP:80" -r "$DR1"
sleep 1 # a request in flight may still land
c0=$(counts)
s0=$(scheduled "$NAT1:80") d0=$(scheduled "$DR1:80")
# Both read as numbers (an empty read would make the checks below vacuous).
lab_check quiesced.counts-read sh -c 'case "$1:$2" in *[!0-9:]*|:*|*:) exit 1 ;; esac' _ "$s0" "$d0"
sleep 4
c1=$(counts)
# No new connection: the kernel's count of connections scheduled to each
# stays still (an entry count may also fall, as old entries expire).
lab_eq quiesced.nat1-no-new "$s0" "$(scheduled "$NAT1:80")"
lab_check quiesced.nat2-gets-new test "$(delta "$c0" "$c1" 2)" -gt 0
lab_eq quiesced.dr1-no-new "$d0" "$(scheduled "$DR1:80")"
lab_check quiesced.dr2-gets-new test "$(delta "$c0" "$c1" 4)" -gt 0

lab_check restore.nat1 lvstop restore -t "$LAB_NAT_VIP:80" -r "$NAT1"
lab_check restore.dr1 lvstop restore -t "$LAB_DR_VIP:80" -r "$DR1"
lab_eq restore.dr1-weight 3 "$(ipvsadm -Sn | awk -v d="$DR1:80" '$5 == d { print $8 }')"
c0=$(counts)
sleep 4
c1=$(counts)
lab_check restored.nat1-gets-new test "$(delta "$c0" "$c1" 1)" -gt 0
lab_check restored.dr1-gets-new test "$(delta "$c0" "$c1" 3)" -gt 0
# wrr 3:1: dr1 takes the larger share again.
lab_check restored.dr1-share test "$(delta "$c0" "$c1" 3)" -gt "$(delta "$c0" "$c1" 4)"

# A drain whose connections cannot go in time (TCP TIME_WAIT lasts 2 min):
# exit 3 after --timeout, the server stays at weight 0.
start=$(date +%s)
lvstop drain -t "$LAB_NAT_VIP:80" -r "$NAT2" --wait --timeout 2 >/dev/null 2>&1
lab_eq drain.timeout-exit 3 "$?"
lab_check drain.timeout-bounded test $(($(date +%s) - start)) -le 6
lab_eq drain.timeout-weight 0 "$(ipvsadm -Sn | awk -v d="$NAT2:80" '$5 == d && $1 == "-a" { print $8 }')"
lab_check drain.restore lvstop restore -t "$LAB_NAT_VIP:80" -r "$NAT2"
touch /tmp/stop

# --ignore-inactive: done once no connection is active, TIME_WAIT entries
# left behind.  nat2 quiesced, so a held connection goes to nat1.
sleep 1
lvstop quiesce -t "$LAB_NAT_VIP:80" -r "$NAT2" >/dev/null
lab_hold "$LAB_NAT_VIP" 80 5
sleep 1
active() { ipvsadm -Ln | awk -v d="$1" '$2 == d { print $5 }'; }
inactive() { ipvsadm -Ln | awk -v d="$1" '$2 == d { print $6 }'; }
lab_check drain.held-active test "$(active "$NAT1:80")" -ge 1
start=$(date +%s)
lvstop drain -t "$LAB_NAT_VIP:80" -r "$NAT1" --wait --ignore-inactive --timeout 30 >/dev/null 2>&1
lab_eq drain.ignore-inactive-exit 0 "$?"
took=$(($(date +%s) - start))
lab_check drain.waited-for-held test "$took" -ge 2 -a "$took" -le 20
lab_eq drain.no-active 0 "$(active "$NAT1:80")"
lab_check drain.inactive-left test "$(inactive "$NAT1:80")" -gt 0
lvstop restore -t "$LAB_NAT_VIP:80" -r "$NAT1" >/dev/null
lvstop restore -t "$LAB_NAT_VIP:80" -r "$NAT2" >/dev/null

wait
