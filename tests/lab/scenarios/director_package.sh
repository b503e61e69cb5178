# The lvstop package on a real director: Debian 12 booted with systemd (the
# director image), the package installed with apt from /lab/debs (no
# network: its dependencies are in the image), lvsd under its unit.
#   - the unit passes systemd-analyze verify; lvsd runs as the unit's
#     dynamic user with CAP_NET_ADMIN only;
#   - after NAT traffic, /metrics on loopback equals ipvsadm -Ln --stats
#     --exact for every service and real server counter;
#   - systemctl reload applies a changed config; a broken one is refused,
#     the old one keeps serving, the journal names FILE:LINE;
#   - TLS and basic auth set up exactly as docs/install.md says;
#   - lvstop quiesce and restore as root change the table and append to the
#     audit log; the console starts and q exits;
#   - apt purge removes the unit, the binaries and the conffile and keeps
#     the audit log and the rrd history.
# lab-timeout: 900
. /lab/lib.sh

[ "${LAB_DIRECTOR_IMAGE:-0}" = 1 ] || { lab_fail director.image "not the director image"; exit 0; }
deb=$(ls /lab/debs/lvstop_*.deb | head -n 1)
t0=$(date +%s)
lab_check pkg.apt-install sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q $deb"
echo "LAB time apt-install $(($(date +%s) - t0)) s"
lab_eq pkg.installed "install ok installed" "$(dpkg-query -W -f='${Status}' lvstop 2>/dev/null)"
lab_check pkg.conffile grep -qx /etc/lvsd/lvsd.conf /var/lib/dpkg/info/lvstop.conffiles
lab_check unit.verify sh -c 'out=$(systemd-analyze verify --man=no lvsd.service 2>&1); echo "$out"; [ -z "$out" ]'
lab_check unit.enabled systemctl is-enabled lvsd

# --- lvsd under the unit ------------------------------------------------------
lab_check unit.start systemctl start lvsd
lab_check unit.active systemctl is-active lvsd
pid=$(systemctl show -p MainPID --value lvsd)
st=/proc/$pid/status
uid=$(awk '$1 == "Uid:" { print $2 }' "$st")
if [ -n "$uid" ] && [ "$uid" -ge 61184 ] && [ "$uid" -le 65519 ]; then
	lab_ok unit.dynamic-user
else
	lab_fail unit.dynamic-user "uid '$uid' of pid '$pid' is not in systemd's dynamic range"
fi
# CAP_NET_ADMIN is capability 12: 0x1000, and nothing else.
lab_eq unit.capeff-net-admin-only 0000000000001000 "$(awk '$1 == "CapEff:" { print $2 }' "$st")"
lab_eq unit.capbnd-net-admin-only 0000000000001000 "$(awk '$1 == "CapBnd:" { print $2 }' "$st")"
lab_eq unit.capprm-net-admin-only 0000000000001000 "$(awk '$1 == "CapPrm:" { print $2 }' "$st")"

URL=http://127.0.0.1:9587/metrics
scrape() { curl -s "$URL"; }
wait_up() { # until /metrics says ipvs_up 1 (15 s)
	_i=0
	while [ $_i -lt 30 ]; do
		scrape | grep -q '^ipvs_up 1$' && return 0
		sleep 0.5
		_i=$((_i + 1))
	done
	return 1
}
lab_check metrics.up wait_up

# --- /metrics against ipvsadm after NAT traffic --------------------------------
lab_check topology.nat lab_nat || exit 0
lab_check traffic.nat lab_traffic "$LAB_NAT_VIP" 80 10
lab_check traffic.nat6 lab_traffic "$LAB_NAT_VIP6" 80 4
sleep 5 # past an estimator refresh (2 s) and an lvsd poll (2 s)
scrape > /tmp/m.txt
ipvsadm -Ln --stats --exact > /tmp/stats.txt
# The counters ipvsadm shows, as the series lvsd must export.
awk '
	BEGIN { split("connections_total incoming_packets_total outgoing_packets_total incoming_bytes_total outgoing_bytes_total", st, " ") }
	function ep(a,   i, addr) { i = match(a, /:[0-9]+$/); addr = substr(a, 1, i - 1); gsub(/[][]/, "", addr)
		return "address=\"" addr "\",port=\"" substr(a, i + 1) "\"" }
	/^IP Virtual Server/ || $1 == "Prot" || /RemoteAddress/ { next }
	$1 == "TCP" || $1 == "UDP" { f = ($3 == "IPv6") ? 4 : 3
		S = "service=\"" $2 "\",protocol=\"" tolower($1) "\"," ep($2)
		for (k = 1; k <= 5; k++) print "ipvs_service_" st[k] "{" S "} " $(f + k - 1); next }
	$1 == "->" { R = ep($2); sub(/^address/, "real_address", R); sub(/,port/, ",real_port", R)
		for (k = 1; k <= 5; k++) print "ipvs_real_server_" st[k] "{" S "," R "} " $(3 + k - 1) }
' /tmp/stats.txt > /tmp/want.txt
n=$(grep -c . /tmp/want.txt)
miss=$(grep -Fxv -f /tmp/m.txt /tmp/want.txt | head -n 1)
if [ "$n" -ge 30 ] && [ -z "$miss" ]; then
	lab_ok metrics.equal-ipvsadm-exact
else
	lab_fail metrics.equal-ipvsadm-exact "$n series expected; missing: $miss; lvsd has: $(grep -F "${miss%% *}" /tmp/m.txt | head -n 1)"
fi
lab_eq oracle.nat-conns 10 "$(awk -v s="$LAB_NAT_VIP:80" '$2 == s { print $3 }' /tmp/stats.txt)"

# --- reload: a change applies; a broken file is refused --------------------------
conf=/etc/lvsd/lvsd.conf
cp "$conf" /tmp/lvsd.conf.orig
sed -i 's|listen = "127.0.0.1:9587";|listen = "127.0.0.1:9587";\n  real_servers = "aggregate";|' "$conf"
lab_check reload.config-changed grep -q 'real_servers = "aggregate"' "$conf"
lab_check reload.ok systemctl reload lvsd
aggregated() { # until no per-real-server series is left (10 s)
	_i=0
	while [ $_i -lt 20 ]; do
		scrape > /tmp/m2.txt
		grep -q '^ipvs_up 1$' /tmp/m2.txt && ! grep -q '^ipvs_real_server_connections_total' /tmp/m2.txt && return 0
		sleep 0.5
		_i=$((_i + 1))
	done
	return 1
}
lab_check reload.applied aggregated
lab_eq reload.same-pid "$pid" "$(systemctl show -p MainPID --value lvsd)"
sed -i 's/interval = 2.0;/interval = 0;/' "$conf"
bad_line=$(grep -n 'interval = 0;' "$conf" | cut -d: -f1)
lab_check reload.broken-written test -n "$bad_line"
lab_check reload.broken-sent systemctl reload lvsd
sleep 2
lab_check reload.broken-still-active systemctl is-active lvsd
lab_eq reload.broken-keeps-pid "$pid" "$(systemctl show -p MainPID --value lvsd)"
lab_check reload.broken-keeps-serving sh -c "curl -s $URL | grep -q '^ipvs_up 1\$'"
lab_check reload.broken-keeps-old-config sh -c "! curl -s $URL | grep -q '^ipvs_real_server_connections_total'"
lab_check reload.journal-file-line sh -c "journalctl -u lvsd --no-pager | grep -q '$conf:$bad_line: interval must be more than zero'"
journalctl -u lvsd --no-pager | tail -n 3 | sed 's/^/journal: /'
cp /tmp/lvsd.conf.orig "$conf"
lab_check reload.back systemctl reload lvsd

# --- TLS and basic auth, as docs/install.md sets them up --------------------------
mkdir -p /etc/lvsd/tls
openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj /CN=director1 \
	-keyout /etc/lvsd/tls/key.pem -out /etc/lvsd/tls/cert.pem 2>/dev/null
chmod 0600 /etc/lvsd/tls/key.pem
printf 'prometheus:%s\n' "$(openssl passwd -6 s3cret)" > /etc/lvsd/users
chmod 0600 /etc/lvsd/users
mkdir -p /etc/systemd/system/lvsd.service.d
cat > /etc/systemd/system/lvsd.service.d/credentials.conf <<'EOT'
[Service]
LoadCredential=tls.key:/etc/lvsd/tls/key.pem
LoadCredential=users:/etc/lvsd/users
EOT
sed -i 's|listen = "127.0.0.1:9587";|listen = "127.0.0.1:9587";\n  tls_cert = "/etc/lvsd/tls/cert.pem";\n  tls_key = "/run/credentials/lvsd.service/tls.key";\n  auth_file = "/run/credentials/lvsd.service/users";|' "$conf"
systemctl daemon-reload
lab_check tls.restart systemctl restart lvsd
tls() { curl -s --cacert /etc/lvsd/tls/cert.pem --resolve director1:9587:127.0.0.1 "$@"; }
wait_tls() {
	_i=0
	while [ $_i -lt 20 ]; do
		tls -u prometheus:s3cret https://director1:9587/metrics | grep -q '^ipvs_up 1$' && return 0
		sleep 0.5
		_i=$((_i + 1))
	done
	return 1
}
lab_check tls.auth-scrape wait_tls
lab_eq tls.wrong-password-401 401 "$(tls -o /dev/null -w '%{http_code}' -u prometheus:wrong https://director1:9587/metrics)"
lab_eq tls.no-password-401 401 "$(tls -o /dev/null -w '%{http_code}' https://director1:9587/metrics)"
lab_check tls.plain-http-refused sh -c "! curl -s -m 5 http://127.0.0.1:9587/metrics | grep -q ipvs_up"
lab_eq tls.key-root-only "600 root" "$(stat -c '%a %U' /etc/lvsd/tls/key.pem)"
rm -rf /etc/systemd/system/lvsd.service.d
cp /tmp/lvsd.conf.orig "$conf"
systemctl daemon-reload
lab_check tls.off-again systemctl restart lvsd

# --- lvstop as root: quiesce, restore, audit log -----------------------------
audit=/var/log/lvstop/audit.log
before=$(cat "$audit" 2>/dev/null | wc -l)
weight() { ipvsadm -Ln | awk -v s="$LAB_NAT_VIP:80" -v r="$1" '$1 == "TCP" { in_s = ($2 == s) } in_s && $1 == "->" && $2 == r { print $4 }'; }
lab_check cli.quiesce lvstop quiesce -t "$LAB_NAT_VIP:80" -r 192.0.2.11:80
lab_eq cli.quiesce-weight-0 0 "$(weight 192.0.2.11:80)"
lab_check cli.restore lvstop restore -t "$LAB_NAT_VIP:80" -r 192.0.2.11:80
lab_eq cli.restore-weight-1 1 "$(weight 192.0.2.11:80)"
after=$(cat "$audit" 2>/dev/null | wc -l)
lab_eq cli.audit-two-records 2 $((after - before))
lab_check cli.audit-quiesce grep -q '"action":"quiesce"' "$audit"
lab_check cli.audit-restore grep -q '"action":"restore"' "$audit"

# --- the console starts and q exits ---------------------------------------------
export TERM=xterm
tmux new-session -d -s con -x 120 -y 30 "sh -c 'lvstop; echo lvstop-rc=\$?; sleep 60'"
seen=0
for _ in $(seq 1 50); do
	tmux capture-pane -p -t con | grep -q 'F1Help' && { seen=1; break; }
	sleep 0.2
done
lab_eq console.starts 1 "$seen"
seen=0
for _ in $(seq 1 50); do
	tmux capture-pane -p -t con | grep -q "$LAB_NAT_VIP:80" && { seen=1; break; }
	sleep 0.2
done
lab_eq console.shows-service 1 "$seen"
tmux send-keys -t con q
rc=""
for _ in $(seq 1 50); do
	rc=$(tmux capture-pane -p -t con | grep -o 'lvstop-rc=[0-9]*' | tail -n 1)
	[ -n "$rc" ] && break
	sleep 0.2
done
lab_eq console.q-exits lvstop-rc=0 "$rc"
tmux kill-server 2>/dev/null

# --- purge ------------------------------------------------------------------------
ls /var/lib/lvstop/rrd/*.rrd >/dev/null 2>&1 && lab_ok purge.rrd-before || lab_fail purge.rrd-before "no rrd file in /var/lib/lvstop/rrd"
lab_check purge.apt sh -c "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q lvstop"
lab_eq purge.gone "" "$(dpkg-query -W -f='${Status}' lvstop 2>/dev/null | grep -v not-installed)"
for f in /lib/systemd/system/lvsd.service /usr/sbin/lvsd /usr/sbin/lvstop /etc/lvsd/lvsd.conf \
	/etc/logrotate.d/lvstop /etc/systemd/system/multi-user.target.wants/lvsd.service; do
	lab_check "purge.removed$(echo "$f" | tr / _)" sh -c "! test -e $f"
done
lab_check purge.stopped sh -c "! systemctl is-active lvsd"
lab_check purge.kept-audit-log test -s "$audit"
lab_check purge.kept-rrd sh -c "ls /var/lib/lvstop/rrd/*.rrd"

# --- the audit log under the unit: lvstop as root creates it, lvsd (the
# --- dynamic user) appends to it, and it is nobody else's to write.
lab_check auditown.reinstall sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q $deb"
lab_check auditown.start systemctl restart lvsd
rm -f "$audit" # root creates it anew, in the folder the unit gave lvsd
pid=$(systemctl show -p MainPID --value lvsd)
uid=$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")
lab_check auditown.quiesce lvstop quiesce -t "$LAB_NAT_VIP:80" -r 192.0.2.11:80
lab_check auditown.restore lvstop restore -t "$LAB_NAT_VIP:80" -r 192.0.2.11:80
lab_eq auditown.owner-mode "$uid 640" "$(stat -L -c '%u %a' "$audit")"
# lvsd appends too: a check that fails on every real server of the NAT
# service, with quiesce_on_failure, makes lvsd quiesce them (audited).
cat >> /etc/lvsd/lvsd.conf <<EOC
services = ( { service = "tcp:$LAB_NAT_VIP:80"; quiesce_on_failure = true;
               check = { type = "tcp"; port = 81; interval = 1.0; }; } );
EOC
lab_check auditown.reload systemctl reload lvsd
lvsd_wrote() { grep -q '"source":"lvsd","action":"quiesce"' "$audit"; }
lab_check auditown.lvsd-appends lab_wait_for 30 lvsd_wrote
journalctl -u lvsd --no-pager | grep -i audit | tail -n 3 | sed 's/^/journal: /'
lab_eq auditown.still-owner-mode "$uid 640" "$(stat -L -c '%u %a' "$audit")"
systemctl stop lvsd
