# VS/TUN: after real HTTP traffic carried to the real servers in IPIP,
# every number lvstop reports equals ipvsadm's, tunnel type included.
. /lab/lib.sh

lab_have_lvstop || exit 0
lab_check topology.tun lab_tun || exit 0

lab_hold "$LAB_TUN_VIP" 80 120
sleep 1
lab_check traffic lab_traffic "$LAB_TUN_VIP" 80 9
lab_wait_stats

lab_eq oracle.conns 10 "$(ipvsadm -Ln --stats --exact | awk -v s="$LAB_TUN_VIP:80" '$2 == s { print $3 }')"

lab_compare_all tun
