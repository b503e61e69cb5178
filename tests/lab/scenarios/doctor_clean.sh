# doctor on the healthy NAT (IPv4 and IPv6), DR and TUN labs with real
# traffic and held connections: no finding, exit 0, the ARP probe of the
# DR VIP ran, and nothing on the director or the real servers changed.
. /lab/lib.sh
. /lab/doctor.sh

lab_have_lvstop || exit 0
lab_check topology.all lab_all || exit 0

lab_hold "$LAB_NAT_VIP" 80 120
lab_hold "$LAB_DR_VIP" 80 120
lab_hold "$LAB_TUN_VIP" 80 120
sleep 1
lab_check traffic.nat lab_traffic "$LAB_NAT_VIP" 80 6
lab_check traffic.nat6 lab_traffic "$LAB_NAT_VIP6" 80 4
lab_check traffic.dr lab_traffic "$LAB_DR_VIP" 80 6
lab_check traffic.tun lab_traffic "$LAB_TUN_VIP" 80 6

before=$(doctor_state_of_director)
neigh_before=$($IP -n dr1 neigh show | awk '{ print $1 }' | sort | tr '\n' ' ')
doctor_run
lab_eq clean.exit 0 "$DOCTOR_RC"
lab_eq clean.findings "" "$DOCTOR_OUT"
lab_eq clean.json '{"findings":[]}' "$(cat /tmp/doctor.json)"
# No part skipped: the ARP probe of the DR VIP ran (it needs CAP_NET_RAW).
lab_eq clean.stderr "" "$(cat /tmp/doctor.err)"
out=$(lvstop doctor)
lab_eq clean.text.exit 0 "$?"
lab_eq clean.text "no findings" "$out"
lab_eq clean.unchanged "$before" "$(doctor_state_of_director)"
# The ARP probe's sender is 0.0.0.0: no real server learned anything.
lab_eq clean.rs-neigh-unchanged "$neigh_before" \
	"$($IP -n dr1 neigh show | awk '{ print $1 }' | sort | tr '\n' ' ')"
