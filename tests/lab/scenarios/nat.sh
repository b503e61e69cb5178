# VS/NAT: after real HTTP traffic (IPv4 and IPv6) and a held-open
# connection, every number lvstop reports equals ipvsadm's.
. /lab/lib.sh

lab_have_lvstop || exit 0
lab_check topology.nat lab_nat || exit 0

# One connection stays ESTABLISHED (an active connection on a real server).
lab_hold "$LAB_NAT_VIP" 80 120
sleep 1
lab_check traffic.ipv4 lab_traffic "$LAB_NAT_VIP" 80 10
lab_check traffic.ipv6 lab_traffic "$LAB_NAT_VIP6" 80 4
lab_wait_stats

# The traffic reached the kernel's counters (otherwise the comparison
# below would only compare zeros).
lab_eq oracle.conns 11 "$(ipvsadm -Ln --stats --exact | awk -v s="$LAB_NAT_VIP:80" '$2 == s { print $3 }')"

lab_compare_all nat
