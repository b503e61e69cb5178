# Helpers for the doctor scenarios: run `lvstop doctor --json` and check
# its findings as "ID|SERVICE|REAL_SERVER" lines (an empty field for
# null).  Sourced after lib.sh.

# doctor_run [ARGS...]: run doctor; sets DOCTOR_RC and DOCTOR_OUT (one
# finding per line); the JSON stays in /tmp/doctor.json, stderr in
# /tmp/doctor.err.
doctor_run() {
	lvstop doctor --json "$@" > /tmp/doctor.json 2> /tmp/doctor.err
	DOCTOR_RC=$?
	DOCTOR_OUT=$(jq -r '.findings[] | "\(.id)|\(.service // "")|\(.real_server // "")"' \
		/tmp/doctor.json 2>&1)
}

# doctor_has NAME "ID|SERVICE|RS": ok when the last run found exactly that.
doctor_has() {
	if printf '%s\n' "$DOCTOR_OUT" | grep -qxF "$2"; then
		lab_ok "$1"
		return 0
	fi
	lab_fail "$1" "no finding '$2'; found: $DOCTOR_OUT"
}

# doctor_lacks NAME TEXT: ok when no finding line of the last run holds TEXT.
doctor_lacks() {
	if printf '%s\n' "$DOCTOR_OUT" | grep -qF "$2"; then
		lab_fail "$1" "unexpected finding with '$2': $(printf '%s\n' "$DOCTOR_OUT" | grep -F "$2")"
		return 1
	fi
	lab_ok "$1"
}

# doctor_field ID RS FIELD: a field (evidence, fix, summary, severity) of
# the last run's finding ID on real server RS ("" for none).
doctor_field() {
	jq -r --arg id "$1" --arg rs "$2" --arg f "$3" \
		'[.findings[] | select(.id == $id and (.real_server // "") == $rs) | .[$f]][0] // ""' \
		/tmp/doctor.json 2>/dev/null
}

# doctor_contains NAME TEXT NEEDLE: ok when TEXT holds NEEDLE.
doctor_contains() {
	case $2 in
	*"$3"*) lab_ok "$1" ;;
	*) lab_fail "$1" "'$3' not in: $2" ;;
	esac
}

# doctor_tries VIP PORT N: N HTTP requests of at most 2 s each, failures
# expected (a broken real server's share never answers).
doctor_tries() {
	_i=0
	while [ "$_i" -lt "$3" ]; do
		_i=$((_i + 1))
		lab_in client timeout 2 wget -O - "$(lab_url "$1" "$2")" >/dev/null 2>&1
	done
	return 0
}

# doctor_syn_recv RS:PORT: the kernel's own count (ipvsadm -Lnc) of
# entries in SYN_RECV towards that real server.
doctor_syn_recv() {
	ipvsadm -Lnc | awk -v d="$1" '$3 == "SYN_RECV" && $6 == d { n++ } END { print n + 0 }'
}

# doctor_state_of_director: what doctor must never change (the table,
# the sysctls it reads), for a before/after comparison.
doctor_state_of_director() {
	ipvsadm -Sn
	for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding \
		/proc/sys/net/ipv4/vs/expire_nodest_conn /proc/sys/net/ipv4/vs/expire_quiescent_template \
		/proc/sys/net/ipv4/vs/conn_reuse_mode /proc/sys/net/ipv4/vs/conntrack; do
		echo "$f $(cat "$f" 2>/dev/null)"
	done
	$IP -4 addr show | grep inet
}
