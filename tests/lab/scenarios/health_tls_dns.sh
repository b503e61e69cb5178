# lvsd's HTTPS and DNS checks against real servers in the lab's namespaces,
# behind real IPVS services (NAT), ipvsadm the oracle for the table:
#   TCP VIP:443  -> nat1:443, nat2:443 (openssl s_server, a certificate for
#                   www.lab.example): HTTPS check with SNI www.lab.example and
#                   the certificate verified against it: both up;
#   TCP VIP:8443 -> nat1:443, nat2:443: SNI other.example; nat1's check does
#                   not verify (up, as keepalived's SSL_GET), nat2's verifies
#                   (down: the certificate is not for that name);
#   UDP VIP:53   -> nat1:53, nat2:53 (lab-dns-answer: www.lab.example is
#                   203.0.113.80): DNS check expecting that address (nat1
#                   up), nat2's expecting another (down: answer mismatch).
# Then nat1's TLS server and DNS server stop: their checks turn down with
# the reason (connection refused, icmp unreachable) in /metrics
# (lvsd_real_server_health_info) and in /api/v1/snapshot.
. /lab/lib.sh

if ! command -v lvsd >/dev/null 2>&1; then
	lab_fail tlsdns.lvsd "build/lvsd is not in the image (run make first)"
	exit 0
fi
for b in openssl lab-dns-answer; do
	command -v "$b" >/dev/null 2>&1 ||
		{ lab_fail "tlsdns.$b" "$b is not in the image (apt-get install openssl; make)"; exit 0; }
done
mark() { echo "lab: $(cut -d' ' -f1 /proc/uptime) s: $1"; }
mark start
lab_check topology.nat lab_nat || exit 0
mark topology
VIP=$LAB_NAT_VIP
NAME=www.lab.example
ANSWER=203.0.113.80

# The image has no openssl.cnf; the commands below need none.
export OPENSSL_CONF=/dev/null
# A certificate for www.lab.example (EC: key generation is quick under TCG),
# its own trust anchor for the verifying checks.
mkdir -p /tmp/tls
lab_check tlsdns.cert openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-subj "/CN=$NAME" -addext "subjectAltName=DNS:$NAME" -addext "basicConstraints=critical,CA:TRUE" -days 2 \
	-keyout /tmp/tls/key.pem -out /tmp/tls/cert.pem || exit 0
start_tls() { # NS: an HTTPS server on :443 (-www: a status page for GET /)
	lab_in "$1" openssl s_server -quiet -accept 443 -cert /tmp/tls/cert.pem -key /tmp/tls/key.pem \
		-www > "/tmp/tls-$1.log" 2>&1 &
}
start_dns() { lab_in "$1" lab-dns-answer 53 "$NAME" "$ANSWER" > /dev/null 2>&1 & }
for ns in nat1 nat2; do
	start_tls "$ns"
	start_dns "$ns"
done

lab_check tlsdns.table sh -c "ipvsadm -A -t $VIP:443 -s rr &&
	ipvsadm -a -t $VIP:443 -r 192.0.2.11:443 -m && ipvsadm -a -t $VIP:443 -r 192.0.2.12:443 -m &&
	ipvsadm -A -t $VIP:8443 -s rr &&
	ipvsadm -a -t $VIP:8443 -r 192.0.2.11:443 -m && ipvsadm -a -t $VIP:8443 -r 192.0.2.12:443 -m &&
	ipvsadm -A -u $VIP:53 -s rr &&
	ipvsadm -a -u $VIP:53 -r 192.0.2.11:53 -m && ipvsadm -a -u $VIP:53 -r 192.0.2.12:53 -m"

cat > /tmp/lvsd-td.conf <<EOC
daemon = { interval = 1.0; };
exporter = { listen = "127.0.0.1:9587"; };
health = { default_checks = false; };
services = (
  { service = "tcp:$VIP:443";
    check = { type = "https"; path = "/"; sni = "$NAME"; verify = true; ca_file = "/tmp/tls/cert.pem";
              interval = 1.0; timeout = 8.0; rise = 1; fall = 3; }; },
  { service = "tcp:$VIP:8443";
    check = { type = "https"; path = "/"; sni = "other.example"; verify = false;
              interval = 1.0; timeout = 8.0; rise = 1; fall = 3; };
    real_servers = ( { address = "192.0.2.12:443";
                       check = { type = "https"; path = "/"; sni = "other.example"; verify = true;
                                 ca_file = "/tmp/tls/cert.pem"; }; } ); },
  { service = "udp:$VIP:53";
    check = { type = "dns"; name = "$NAME"; expect_address = "$ANSWER";
              interval = 1.0; timeout = 8.0; rise = 1; fall = 3; };
    real_servers = ( { address = "192.0.2.12:53";
                       check = { type = "dns"; name = "$NAME"; expect_address = "203.0.113.81"; }; } ); }
);
EOC
mark servers
lab_check tlsdns.config lvsd --check-config --config /tmp/lvsd-td.conf || exit 0
lvsd --config /tmp/lvsd-td.conf 2>/tmp/lvsd-td.log &
LVSD=$!
URL=http://127.0.0.1:9587
scrape() { wget -O /tmp/td.txt "$URL/metrics" 2>/dev/null; }
labels() { # SVCPORT PROTO RS RSPORT: the labels of one real server
	echo "service=\"$VIP:$1\",protocol=\"$2\",address=\"$VIP\",port=\"$1\",real_address=\"$3\",real_port=\"$4\""
}
reason() { # SVCPORT PROTO RS RSPORT: its reason label in the last scrape
	grep "^lvsd_real_server_health_info{$(labels "$@")," /tmp/td.txt | sed -n 's/.*,reason="\([^"]*\)"} 1$/\1/p'
}
reason_is() { # SVCPORT PROTO RS RSPORT REASON
	scrape && [ "$(reason "$1" "$2" "$3" "$4")" = "$5" ]
}
healthy() { # SVCPORT PROTO RS RSPORT: the 0/1 gauge in the last scrape
	awk -v k="lvsd_real_server_healthy{$(labels "$@")}" 'index($0, k " ") == 1 { print $2 }' /tmp/td.txt
}
expect() { # NAME SVCPORT PROTO RS RSPORT HEALTHY REASON: within 20 s
	_n=$1
	shift
	if lab_wait_for 20 reason_is "$1" "$2" "$3" "$4" "$6"; then
		lab_eq "$_n" "$5" "$(healthy "$1" "$2" "$3" "$4")"
	else
		lab_fail "$_n" "reason '$(reason "$1" "$2" "$3" "$4")', expected '$6' (healthy $(healthy "$1" "$2" "$3" "$4"))"
	fi
}

# The table as the kernel holds it: ipvsadm's real servers of the three
# services are the ones lvsd exports.
lab_check tlsdns.lvsd-up lab_wait_for 20 sh -c "wget -O - $URL/metrics 2>/dev/null | grep -q '^ipvs_up 1$'" ||
	{ cat /tmp/lvsd-td.log; exit 0; }
scrape
oracle=$(ipvsadm -Ln | awk '$1 ~ /^(TCP|UDP)$/ { s = tolower($1) " " $2 } $1 == "->" && s ~ /:(443|8443|53)$/ { print s " " $2 }' | sort)
ours=$(grep '^ipvs_real_server_weight{' /tmp/td.txt | sed -n 's/.*service="\([^"]*\)",protocol="\([a-z]*\)".*real_address="\([^"]*\)",real_port="\([0-9]*\)".*/\2 \1 \3:\4/p' |
	grep -E ':(443|8443|53) ' | sort)
lab_cmp tlsdns.table-oracle "$oracle" "$ours"

# Through the VIP: the client reaches a TLS server and a DNS server.
lab_check tlsdns.vip-https sh -c "$IP netns exec client openssl s_client -connect $VIP:443 -servername $NAME \
	-verify_return_error -CAfile /tmp/tls/cert.pem < /dev/null 2>&1 | grep -q 'Verify return code: 0 (ok)'"
lab_check tlsdns.vip-dns sh -c "$IP netns exec client nslookup $NAME $VIP 2>&1 | grep -q '$ANSWER'"

mark oracle
expect tlsdns.https.sni-verify-nat1 443 tcp 192.0.2.11 443 1 ok
expect tlsdns.https.sni-verify-nat2 443 tcp 192.0.2.12 443 1 ok
expect tlsdns.https.no-verify-other-name 8443 tcp 192.0.2.11 443 1 ok
expect tlsdns.https.verify-other-name 8443 tcp 192.0.2.12 443 0 "tls failure"
expect tlsdns.dns.answer 53 udp 192.0.2.11 53 1 ok
expect tlsdns.dns.answer-mismatch 53 udp 192.0.2.12 53 0 "dns answer mismatch"

mark checks-decided
# nat1's TLS and DNS servers stop.
for p in $($IP netns pids nat1); do
	case "$(cat "/proc/$p/comm" 2>/dev/null)" in openssl | lab-dns-answer) kill "$p" ;; esac
done
expect tlsdns.https.stopped 443 tcp 192.0.2.11 443 0 "connection refused"
expect tlsdns.https.stopped-no-verify 8443 tcp 192.0.2.11 443 0 "connection refused"
expect tlsdns.dns.stopped 53 udp 192.0.2.11 53 0 "icmp unreachable"
# nat2's, still running, stay as they were.
expect tlsdns.https.nat2-stays-up 443 tcp 192.0.2.12 443 1 ok
mark stopped-seen
# The snapshot says the same (one snapshot holding all four).
snap_reason() { # PROTO SVCPORT RS
	jq -r --arg v "$VIP" --arg p "$1" --argjson sp "$2" --arg r "$3" \
		'.services[] | select(.address == $v and .protocol == $p and .port == $sp) |
		 .real_servers[] | select(.address == $r) | .health_reason // "-"' /tmp/td.json
}
snap_all() {
	wget -O /tmp/td.json "$URL/api/v1/snapshot" 2>/dev/null &&
		[ "$(snap_reason tcp 443 192.0.2.11)" = "connection refused" ] &&
		[ "$(snap_reason tcp 8443 192.0.2.12)" = "tls failure" ] &&
		[ "$(snap_reason udp 53 192.0.2.11)" = "icmp unreachable" ] &&
		[ "$(snap_reason udp 53 192.0.2.12)" = "dns answer mismatch" ]
}
lab_wait_for 20 snap_all
lab_eq tlsdns.snapshot.https-stopped "connection refused" "$(snap_reason tcp 443 192.0.2.11)"
lab_eq tlsdns.snapshot.verify-other-name "tls failure" "$(snap_reason tcp 8443 192.0.2.12)"
lab_eq tlsdns.snapshot.dns-stopped "icmp unreachable" "$(snap_reason udp 53 192.0.2.11)"
lab_eq tlsdns.snapshot.dns-mismatch "dns answer mismatch" "$(snap_reason udp 53 192.0.2.12)"

# Started again: up again.
start_tls nat1
start_dns nat1
expect tlsdns.https.back 443 tcp 192.0.2.11 443 1 ok
expect tlsdns.dns.back 53 udp 192.0.2.11 53 1 ok
grep -q 'health: 192.0.2.11:443 (https check) [a-z]* -> down: connection refused' /tmp/lvsd-td.log &&
	lab_ok tlsdns.transition-logged || lab_fail tlsdns.transition-logged "$(grep -- '-> down' /tmp/lvsd-td.log | tail -n 3 | tr '\n' '|')"

mark back
kill -TERM "$LVSD"
wait "$LVSD"
lab_eq tlsdns.lvsd-exit 0 "$?"
for ns in nat1 nat2; do
	for p in $($IP netns pids "$ns"); do
		case "$(cat "/proc/$p/comm" 2>/dev/null)" in openssl | lab-dns-answer) kill "$p" ;; esac
	done
done
mark end
