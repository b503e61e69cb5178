# A large IPVS table for the scale scenario and the kernel benchmark:
# S TCP services (10.x.y.z:80, wlc) x R masquerading real servers each
# (172.16.0.0/12 and up, port 80, weights 1..4), written as ipvsadm -R
# input. Sourced by scenarios (POSIX sh, busybox awk).

# lab_table_rules S R: the rules on stdout.
lab_table_rules() {
	awk -v S="$1" -v R="$2" 'BEGIN {
		for (i = 0; i < S; i++) {
			v = sprintf("10.%d.%d.%d:80", int(i / 65536) % 256, int(i / 256) % 256, i % 256)
			print "-A -t " v " -s wlc"
			for (j = 0; j < R; j++) {
				k = i * R + j
				printf "-a -t %s -r 172.%d.%d.%d:80 -m -w %d\n", v, 16 + int(k / 65536), int(k / 256) % 256, k % 256, j % 4 + 1
			}
		}
	}'
}

# lab_table_load NAME S R: load the table with ipvsadm -R as the check
# NAME; prints how long that took (seconds of the guest's clock).
lab_table_load() {
	lab_table_rules "$2" "$3" > /tmp/rules
	_t0=$(cut -d' ' -f1 /proc/uptime)
	lab_check "$1" ipvsadm -R < /tmp/rules || return 1
	_t1=$(cut -d' ' -f1 /proc/uptime)
	echo "$LAB_SCENARIO: ipvsadm -R of $(($2 * ($3 + 1))) rules took $(awk -v a="$_t0" -v b="$_t1" 'BEGIN { print b - a }') s"
}
