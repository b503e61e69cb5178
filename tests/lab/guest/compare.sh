# Compare what `lvstop --once --json` reports with what ipvsadm reports.
# ipvsadm is the oracle.  Both sides are reduced to records
#     KEY FIELD VALUE
# with one key per object:
#     service       tcp/203.0.113.10:80   tcp/[2001:db8:f::10]:80   fwm/1   fwm/2/inet6
#     real server   SERVICE/rs/192.0.2.11:80   SERVICE/rs/[2001:db8:a::11]:80
#     connections   conn
# and every oracle record becomes one check named KEY/FIELD.
# Sourced by lib.sh.  Needs busybox awk and jq.

# lab_oracle: records from ipvsadm's views of the services and real servers.
lab_oracle() {
	{
		echo "@@ stats"; ipvsadm -Ln --stats --exact
		echo "@@ list"; ipvsadm -Ln
		echo "@@ save"; ipvsadm -Sn
		echo "@@ pconn"; ipvsadm -Ln --persistent-conn
		echo "@@ thresh"; ipvsadm -Ln --thresholds
	} | awk '
	function sortjoin(list,    n, a, i, j, t, s) {
		n = split(list, a, ",")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		s = ""
		for (i = 1; i <= n; i++) if (a[i] != "") s = s (s == "" ? "" : ",") a[i]
		return s == "" ? "-" : s
	}
	function out(k, f, v) { print k, f, (v == "" ? "-" : v) }
	# A service line of the -L views: sets svc, returns the index of the
	# first field after the service name.
	function lsvc(    i) {
		if ($1 == "FWM") {
			svc = "fwm/" $2; i = 3
			if ($3 == "IPv6") { svc = svc "/inet6"; i = 4 }
			return i
		}
		svc = tolower($1) "/" $2
		return 3
	}
	/^@@ / { view = $2; next }
	/^IP Virtual Server|^Prot |^  -> RemoteAddress/ { next }
	view == "stats" && $1 != "->" {
		i = lsvc()
		out(svc, "stats.conns", $(i)); out(svc, "stats.inpkts", $(i + 1))
		out(svc, "stats.outpkts", $(i + 2)); out(svc, "stats.inbytes", $(i + 3))
		out(svc, "stats.outbytes", $(i + 4))
		next
	}
	view == "stats" {
		rs = svc "/rs/" $2
		out(rs, "stats.conns", $3); out(rs, "stats.inpkts", $4); out(rs, "stats.outpkts", $5)
		out(rs, "stats.inbytes", $6); out(rs, "stats.outbytes", $7)
		next
	}
	view == "list" && $1 != "->" {
		i = lsvc()
		out(svc, "scheduler", $(i))
		out(svc, "af", (svc ~ /\[|\/inet6$/) ? "inet6" : "inet")
		nrs[svc] = 0
		next
	}
	view == "list" {
		rs = svc "/rs/" $2
		nrs[svc]++
		out(rs, "forward", tolower($3)); out(rs, "weight", $4)
		out(rs, "active_conns", $5); out(rs, "inactive_conns", $6)
		next
	}
	view == "pconn" && $1 == "->" { out(svc "/rs/" $2, "persistent_conns", $4); next }
	view == "pconn" { lsvc(); next }
	view == "thresh" && $1 == "->" {
		out(svc "/rs/" $2, "upper_threshold", $3); out(svc "/rs/" $2, "lower_threshold", $4)
		next
	}
	view == "thresh" { lsvc(); next }
	view == "save" {
		# -A|-a -t|-u|--sctp-service ADDR:PORT | -f MARK [-6] ... options
		i = 4
		if ($2 == "-f") {
			key = "fwm/" $3
			if ($4 == "-6") { key = key "/inet6"; i = 5 }
		} else if ($2 == "-t") key = "tcp/" $3
		else if ($2 == "-u") key = "udp/" $3
		else if ($2 == "--sctp-service") key = "sctp/" $3
		else next
		if ($1 == "-A") {
			flags = ""; tmo = ""; mask = ""
			for (; i <= NF; i++) {
				if ($i == "-p") { flags = flags ",persistent"; tmo = $(i + 1) }
				else if ($i == "-o") flags = flags ",onepacket"
				else if ($i == "-M") mask = $(i + 1)
				else if ($i == "-b") {
					b = $(i + 1); gsub(/mh-/, "sh-", b)
					flags = flags "," b
				}
			}
			out(key, "flags", sortjoin(flags))
			if (tmo != "") {
				out(key, "timeout", tmo)
				if (mask == "") mask = (key ~ /\[|\/inet6$/) ? "128" : "255.255.255.255"
				out(key, "netmask", mask)
			}
			# fwmark services have no address or port, others no mark.
			if ($2 == "-f") out(key, "fwmark", $3)
			else {
				a = $3; sub(/:[0-9]+$/, "", a); gsub(/\[|\]/, "", a)
				p = $3; sub(/.*:/, "", p)
				out(key, "address", a); out(key, "port", p)
			}
			next
		}
		# -a ... -r RS [-g|-i|-m] -w N [--tun-type T [--tun-port P] [--tun-*csum]]
		rs = key "/rs/" $(i + 1)
		tt = ""; tp = 0; tf = ""
		for (; i <= NF; i++) {
			if ($i == "--tun-type") tt = $(i + 1)
			else if ($i == "--tun-port") tp = $(i + 1)
			else if ($i == "--tun-csum") tf = tf ",csum"
			else if ($i == "--tun-remcsum") tf = tf ",remcsum"
		}
		if (tt != "") {
			out(rs, "tunnel.type", tt); out(rs, "tunnel.port", tp)
			out(rs, "tunnel.flags", sortjoin(tf))
		}
		next
	}
	END { for (s in nrs) out(s, "real_servers", nrs[s]) }
	'
}

# lab_actual FILE: the same records from lvstop's JSON in FILE.
lab_actual() {
	jq -r '
	def br: if test(":") then "[\(.)]" else . end;
	def skey: if .protocol == "fwm"
		then "fwm/\(.fwmark)" + (if .af == "inet6" then "/inet6" else "" end)
		else "\(.protocol)/\(.address | br):\(.port)" end;
	def v: if . == null then "<null>" elif . == "" then "-" else tostring end;
	def flagset: [.[]? | select(. != "hashed" and . != "nocsum") | sub("^mh-"; "sh-")]
		| sort | if length == 0 then "-" else join(",") end;
	.services[] | skey as $s |
	(
		"\($s) scheduler \(.scheduler | v)",
		"\($s) af \(.af | v)",
		"\($s) flags \(.flags | flagset)",
		"\($s) timeout \(.timeout | v)",
		"\($s) netmask \(.netmask | v)",
		"\($s) fwmark \(.fwmark | v)",
		"\($s) port \(.port | v)",
		"\($s) address \(.address | v)",
		"\($s) real_servers \(.real_servers | length)",
		(.stats | to_entries[] | "\($s) stats.\(.key) \(.value | v)"),
		(.real_servers[] | "\($s)/rs/\(.address | br):\(.port)" as $r |
			"\($r) forward \(.forward | v)",
			"\($r) weight \(.weight | v)",
			"\($r) active_conns \(.active_conns | v)",
			"\($r) inactive_conns \(.inactive_conns | v)",
			"\($r) persistent_conns \(.persistent_conns | v)",
			"\($r) upper_threshold \(.upper_threshold | v)",
			"\($r) lower_threshold \(.lower_threshold | v)",
			(.stats | to_entries[] | "\($r) stats.\(.key) \(.value | v)"),
			(if .tunnel then
				"\($r) tunnel.type \(.tunnel.type | v)",
				"\($r) tunnel.port \(.tunnel.port | v)",
				"\($r) tunnel.flags \(.tunnel.flags | flagset)"
			else empty end))
	)' "$1"
}

# lab_conn_oracle: records of the connection table as ipvsadm -Lnc lists it.
lab_conn_oracle() {
	ipvsadm -Lnc | awk '
	NR <= 2 { next }
	{
		total++; st[$3]++; rs[$6]++; rsst[$6 "/state/" $3]++
		c = $4; sub(/:[0-9]+$/, "", c); gsub(/\[|\]/, "", c); cl[c]++
	}
	END {
		print "conn total", total + 0
		for (s in st) print "conn state/" s, st[s]
		for (r in rs) print "conn rs/" r "/total", rs[r]
		for (r in rsst) print "conn rs/" r, rsst[r]
		for (c in cl) print "conn client/" c, cl[c]
	}'
}

# lab_conn_actual FILE: the same records from lvstop's JSON.
lab_conn_actual() {
	jq -r '
	def br: if test(":") then "[\(.)]" else . end;
	.connections |
	"conn total \(.total)",
	(.by_state // {} | to_entries[] | "conn state/\(.key) \(.value)"),
	(.by_real_server[]? | "\(.address | br):\(.port)" as $r |
		"conn rs/\($r)/total \(.total)",
		(.by_state // {} | to_entries[] | "conn rs/\($r)/state/\(.key) \(.value)")),
	(.top_clients[]? | "conn client/\(.address) \(.conns)")' "$1"
}

# lab_diff ORACLE ACTUAL [MODE]: one check per oracle record, named
# KEY/FIELD, and one failing check per object lvstop reports that the
# oracle does not know.  MODE "conn": counts absent on one side are 0, and
# clients are compared only where lvstop lists them (it reports the top few).
lab_diff() {
	awk -v mode="${3:-}" '
	FNR == NR { a[$1 " " $2] = $3; ak[$1 " " $2] = 1; if ($2 != "" ) aobj[$1] = 1; next }
	{
		k = $1 " " $2; o[k] = 1; oobj[$1] = 1
		if (mode == "conn" && $2 ~ /^client\//) { if (!(k in a)) next }
		v = (k in a) ? a[k] : (mode == "conn" ? 0 : "<missing>")
		printf "%s/%s\t%s\t%s\n", $1, $2, $3, v
	}
	END {
		for (k in ak) {
			split(k, p, " ")
			if (mode == "conn") {
				if (!(k in o) && a[k] != 0) printf "%s/%s\t%s\t%s\n", p[1], p[2], 0, a[k]
			} else if (!(p[1] in oobj) && !(p[1] in seen)) {
				seen[p[1]] = 1
				printf "%s/exists\t%s\t%s\n", p[1], "no", "yes"
			}
		}
	}' "$2" "$1" | sed "s|^conn/|conn.|" | while IFS='	' read -r name want got; do
		lab_cmp "${LAB_PREFIX:-}$name" "$want" "$got"
	done
}

# lab_json FILE: run `lvstop --once --json` into FILE; check that it exits
# 0 and prints one JSON object.
lab_json() {
	_f=$1
	lvstop --once --json > "$_f" 2> "$_f.err"
	_rc=$?
	if [ "$_rc" -ne 0 ]; then
		lab_fail "${LAB_PREFIX:-}json.exit" "lvstop --once --json exited $_rc: $(head -c 300 "$_f.err" | tr '\n' '|')"
		return 1
	fi
	lab_check "${LAB_PREFIX:-}json.object" jq -e 'type == "object" and (.services | type == "array")' "$_f"
}

# lab_compare_all NAME: the whole comparison, lvstop against ipvsadm, right
# now.  The oracle is read before and after lvstop; if it moved, the
# comparison is void and says so.
lab_compare_all() {
	_d=/tmp/cmp.$1
	mkdir -p "$_d"
	lab_oracle | sort > "$_d/oracle.before"
	lab_conn_oracle | sort > "$_d/conn.before"
	ipvsadm -Ln --rate --exact > "$_d/rate.before"
	lab_json "$_d/lvstop.json" || return 1
	ipvsadm -Ln --rate --exact > "$_d/rate.after"
	lab_oracle | sort > "$_d/oracle"
	lab_conn_oracle | sort > "$_d/conn"
	if ! cmp -s "$_d/oracle.before" "$_d/oracle" || ! cmp -s "$_d/conn.before" "$_d/conn"; then
		lab_fail "${LAB_PREFIX:-}oracle.stable" "ipvsadm changed while lvstop ran: $(diff "$_d/oracle.before" "$_d/oracle" | grep '^[-+][^-+]' | head -n 3 | tr '\n' '|')"
	fi
	lab_actual "$_d/lvstop.json" | sort > "$_d/actual"
	lab_conn_actual "$_d/lvstop.json" | sort > "$_d/conn.actual"
	lab_diff "$_d/oracle" "$_d/actual"
	lab_diff "$_d/conn" "$_d/conn.actual" conn
	lab_check_global "$_d"
}

# lab_check_global DIR: the top-level fields: IPVS version and table size,
# timeouts, connection totals and flags, number types, rates.
lab_check_global() {
	_g=$1
	_j=$1/lvstop.json
	_hdr=$(ipvsadm -Ln | head -n 1)
	# "IP Virtual Server version 1.2.1 (size=4096)"
	_ver=$(echo "$_hdr" | awk '{ print $5 }')
	_size=$(echo "$_hdr" | sed -n 's/.*size=\([0-9]*\).*/\1/p')
	_jver=$(jq -r '.ipvs.version' "$_j")
	case $_jver in
	*.*) lab_cmp "${LAB_PREFIX:-}ipvs.version" "$_ver" "$_jver" ;;
	*) lab_cmp "${LAB_PREFIX:-}ipvs.version" "$(echo "$_ver" | awk -F. '{ print $1 * 65536 + $2 * 256 + $3 }')" "$_jver" ;;
	esac
	lab_cmp "${LAB_PREFIX:-}ipvs.conn_table_size" "$_size" "$(jq -r '.ipvs.conn_table_size' "$_j")"
	# "Timeout (tcp tcpfin udp): 900 120 300"
	set -- $(ipvsadm -Ln --timeout | awk '{ print $(NF - 2), $(NF - 1), $NF }')
	lab_cmp "${LAB_PREFIX:-}timeouts.tcp" "$1" "$(jq -r '.timeouts.tcp' "$_j")"
	lab_cmp "${LAB_PREFIX:-}timeouts.tcpfin" "$2" "$(jq -r '.timeouts.tcpfin' "$_j")"
	lab_cmp "${LAB_PREFIX:-}timeouts.udp" "$3" "$(jq -r '.timeouts.udp' "$_j")"
	lab_cmp "${LAB_PREFIX:-}connections.partial" false "$(jq -r '.connections.partial' "$_j")"
	lab_check "${LAB_PREFIX:-}json.time" jq -e '.time | type == "number" or type == "string"' "$_j"
	lab_check "${LAB_PREFIX:-}json.numbers" jq -e '
		[.ipvs.conn_table_size, .timeouts[], .connections.total,
		 (.services[] | (.port, .fwmark | select(. != null)), .timeout, .stats[], .rates[],
		  (.real_servers[] | .port, .weight, .active_conns, .inactive_conns,
		   .persistent_conns, .upper_threshold, .lower_threshold, .stats[], .rates[]))]
		| all(type == "number")' "$_j"
	# The kernel's rate estimates move every 2 s and decay after traffic:
	# lvstop's value must lie between ipvsadm's before and after it ran.
	lab_clients "$_g"
	lab_rates "$_g"
}

# lab_rates DIR: rates bracketed by two ipvsadm --rate readings.
lab_rates() {
	for _w in before after; do
		awk '
		/^IP Virtual Server|^Prot |^  -> RemoteAddress/ { next }
		$1 != "->" {
			if ($1 == "FWM") { svc = "fwm/" $2; i = 3; if ($3 == "IPv6") { svc = svc "/inet6"; i = 4 } }
			else { svc = tolower($1) "/" $2; i = 3 }
			k = svc
		}
		$1 == "->" { k = svc "/rs/" $2; i = 3 }
		{ print k, "rates", $(i), $(i + 1), $(i + 2), $(i + 3), $(i + 4) }
		' "$1/rate.$_w" | sort > "$1/rates.$_w"
	done
	jq -r '
	def br: if test(":") then "[\(.)]" else . end;
	def skey: if .protocol == "fwm"
		then "fwm/\(.fwmark)" + (if .af == "inet6" then "/inet6" else "" end)
		else "\(.protocol)/\(.address | br):\(.port)" end;
	def r: "\(.cps) \(.inpps) \(.outpps) \(.inbps) \(.outbps)";
	.services[] | skey as $s |
		"\($s) rates \(.rates | r)",
		(.real_servers[] | "\($s)/rs/\(.address | br):\(.port) rates \(.rates | r)")
	' "$1/lvstop.json" | sort > "$1/rates.actual"
	awk '
	FILENAME ~ /before$/ { for (i = 3; i <= 7; i++) lo[$1 " " i] = $i; next }
	FILENAME ~ /after$/ { for (i = 3; i <= 7; i++) hi[$1 " " i] = $i; next }
	{
		bad = ""
		for (i = 3; i <= 7; i++) {
			a = lo[$1 " " i]; b = hi[$1 " " i]
			if (a + 0 > b + 0) { t = a; a = b; b = t }
			if (!(($1 " " i) in lo) || $i + 0 < a + 0 || $i + 0 > b + 0 || $i !~ /^[0-9]+(\.[0-9]+)?$/)
				bad = bad " " (i - 2) ":" $i "!in[" a "," b "]"
		}
		printf "%s/rates\t%s\t%s\n", $1, "ok", (bad == "" ? "ok" : "outside ipvsadm --rate:" bad)
	}' "$1/rates.before" "$1/rates.after" "$1/rates.actual" |
	while IFS='	' read -r name want got; do
		lab_cmp "${LAB_PREFIX:-}$name" "$want" "$got"
	done
}

# lab_clients DIR: top_clients is sorted by count, its first entry has the
# most connections, and a short client list is listed whole.
lab_clients() {
	_c=$1
	lab_check "${LAB_PREFIX:-}conn.top_clients-sorted" jq -e '
		[.connections.top_clients[]?.conns] | . == (sort | reverse)' "$_c/lvstop.json"
	_max=$(awk '$2 ~ /^client\// && $3 > m { m = $3 } END { print m + 0 }' "$_c/conn")
	_n=$(grep -c ' client/' "$_c/conn")
	lab_cmp "${LAB_PREFIX:-}conn.top_clients-first" "$_max" \
		"$(jq -r '.connections.top_clients[0].conns // 0' "$_c/lvstop.json")"
	if [ "$_n" -le 3 ]; then
		lab_cmp "${LAB_PREFIX:-}conn.top_clients-count" "$_n" \
			"$(jq -r '.connections.top_clients | length' "$_c/lvstop.json")"
	fi
}
