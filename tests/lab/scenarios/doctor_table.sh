# doctor on the table as a whole: an empty director is clean; an empty
# table beside a saved rules file (the restore at boot failed) is named,
# with ip_vs loaded or not; connection entries far above the hash table
# (ip_vs loaded with conn_tab_bits=8) are named.
. /lab/lib.sh
. /lab/doctor.sh

lab_have_lvstop || exit 0

doctor_run
lab_eq empty.exit 0 "$DOCTOR_RC"
lab_eq empty.findings "" "$DOCTOR_OUT"

cat > /etc/ipvsadm.rules <<'RULES'
-A -t 203.0.113.10:80 -s rr
-a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 1
-a -t 203.0.113.10:80 -r 192.0.2.12:80 -m -w 1
RULES
doctor_run
lab_eq rules.exit 1 "$DOCTOR_RC"
doctor_has rules.not-loaded "rules-not-loaded||"
doctor_contains rules.evidence "$(doctor_field rules-not-loaded "" evidence)" \
	"the IPVS table is empty; /etc/ipvsadm.rules holds 1 service and 2 real servers"
doctor_contains rules.fix "$(doctor_field rules-not-loaded "" fix)" \
	"ipvsadm-restore < /etc/ipvsadm.rules"
doctor_run --rules /nonexistent.rules
lab_eq rules.missing.exit 2 "$DOCTOR_RC"
doctor_contains rules.missing.msg "$(cat /tmp/doctor.err)" "--rules: cannot read /nonexistent.rules"

# The fix works: once restored, the finding is gone.
ipvsadm -R < /etc/ipvsadm.rules
doctor_run
doctor_lacks rules.restored "rules-not-loaded"
ipvsadm -C

# ip_vs not loaded at all (the restore unit never ran modprobe).
lab_check unload lab_unload_ipvs
doctor_run
lab_eq unloaded.exit 1 "$DOCTOR_RC"
doctor_contains unloaded.evidence "$(doctor_field rules-not-loaded "" evidence)" \
	"the IPVS table is empty (ip_vs is not loaded)"
rm -f /etc/ipvsadm.rules

# A 256-bucket connection table and 2100 UDP entries: more than 8 per bucket.
lab_check reload modprobe ip_vs conn_tab_bits=8
modprobe ip_vs_rr
lab_eq table.size "size=256)" "$(ipvsadm -Ln | head -n 1 | sed -n 's/.*(\(size=[0-9]*)\).*/\1/p')"
lab_client
lab_vip 203.0.113.40
ipvsadm -A -u 203.0.113.40:53 -s rr
ipvsadm -a -u 203.0.113.40:53 -r 198.51.100.3:53 -m -w 1
doctor_run
doctor_lacks table.small-before "conn-table-small"
lab_eq burst "2100" "$(lab_in client lab-udp-burst 203.0.113.40 53 2100)"
lab_check oracle.entries test "$(ipvsadm -Lnc | grep -c '^UDP')" -ge 2049
doctor_run
doctor_has table.small "conn-table-small||"
doctor_contains table.evidence "$(doctor_field conn-table-small "" evidence)" \
	"connection entries for a hash table of 256 buckets"
doctor_contains table.fix "$(doctor_field conn-table-small "" fix)" "conn_tab_bits=12"
