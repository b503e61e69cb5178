# VS/DR: after real HTTP traffic through a wrr service whose real servers
# answer the client directly, every number lvstop reports equals ipvsadm's.
. /lab/lib.sh

lab_have_lvstop || exit 0
lab_check topology.dr lab_dr || exit 0

lab_hold "$LAB_DR_VIP" 80 120
sleep 1
lab_check traffic lab_traffic "$LAB_DR_VIP" 80 12
lab_wait_stats

lab_eq oracle.conns 13 "$(ipvsadm -Ln --stats --exact | awk -v s="$LAB_DR_VIP:80" '$2 == s { print $3 }')"

lab_compare_all dr
