# Beside keepalived: Debian 12's keepalived writes the table from its
# configuration and runs its checks (HTTP_GET, TCP_CHECK) against the NAT
# real servers. lvstop diff must find the kernel as declared, then name
# exactly what drifted: a real server keepalived removed because its check
# fails (with that reason), one added by hand, a weight changed by hand;
# and find the table as declared again once the server is back.
# lab-timeout: 600
. /lab/lib.sh

lab_have_lvstop || exit 0
if [ ! -x /usr/sbin/keepalived ]; then
	lab_fail keepalived.binary "keepalived is not in the initramfs (apt-get install keepalived)"
	exit 0
fi

VIP=$LAB_NAT_VIP
CONF=/etc/keepalived/keepalived.conf
set -- $LAB_NAT_RS
RS1=$1 RS2=$2

lab_client
lab_bridge br-nat 192.0.2.1/26
lab_rs nat1 br-nat "$RS1/26" 192.0.2.1
lab_rs nat2 br-nat "$RS2/26" 192.0.2.1
lab_vip "$VIP"

# An include file, as operators split their configurations; a service
# without lb_algo (keepalived's default scheduler), one with a bare
# persistence_timeout (its default timeout), a firewall-mark service.
mkdir -p /etc/keepalived/conf.d
cat > "$CONF" <<EOF
! lab director
global_defs {
   router_id LAB
}
include conf.d/*.conf
EOF
cat > /etc/keepalived/conf.d/web.conf <<EOF
virtual_server $VIP 80 {
    delay_loop 2
    lb_algo rr
    lb_kind NAT
    protocol TCP

    real_server $RS1 80 {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 2
            retry 1
            delay_before_retry 1
        }
    }
    real_server $RS2 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 2
            retry 1
            delay_before_retry 1
        }
    }
}

virtual_server $VIP 8080 {
    lb_kind NAT
    persistence_timeout
    real_server $RS1 80 {
        weight 2
    }
}

virtual_server fwmark 7 {
    lb_algo wrr
    lb_kind NAT
    real_server $RS2 80 {
        weight 3
    }
}
EOF

mkdir -p /var/run /run/keepalived
keepalived -C -n -l -D -f "$CONF" > /tmp/keepalived.log 2>&1 &
kpid=$!

has_rs() { ipvsadm -Ln | grep -q -- "-> $1:80 "; }
svc_has_rs() { ipvsadm -Ln -t "$VIP:80" 2>/dev/null | grep -q -- "-> $1:80 "; }
lab_check keepalived.loaded lab_wait_for 30 svc_has_rs "$RS2"
lab_check keepalived.rs1-up lab_wait_for 20 svc_has_rs "$RS1"

# The oracle: what keepalived wrote, by its defaults.
# keepalived 2.2.7 makes a virtual_server without "protocol" a UDP service
# (and lvstop warns about it, at its line).
lab_eq keepalived.oracle.default-sched wlc \
	"$(ipvsadm -Ln -u "$VIP:8080" | awk '$1 == "UDP" { print $3 }')"
lab_eq keepalived.oracle.default-persistence 360 \
	"$(ipvsadm -Ln -u "$VIP:8080" | awk '$1 == "UDP" { print $5 }')"
lab_check keepalived.oracle.fwmark ipvsadm -Ln -f 7

lab_check traffic lab_traffic "$VIP" 80 4

# As declared: exit 0, nothing listed.
out=$(lvstop diff 2>/tmp/diff.err)
rc=$?
lab_eq diff.match.exit 0 "$rc"
lab_check diff.match.says sh -c "echo \"$out\" | grep -q 'the kernel matches the declared table'"
lab_check diff.match.header sh -c "echo \"$out\" | grep -q '^declared: $CONF (keepalived.conf): 3 services'"
lab_check diff.match.udp-warning grep -q "^lvstop: /etc/keepalived/conf.d/web.conf:29: warning: virtual_server $VIP 8080 has no protocol: keepalived makes it a UDP service" /tmp/diff.err
json=$(lvstop diff --json)
lab_eq diff.match.json 0 "$(echo "$json" | jq '.drift | length')"

# RS1's web server stops: keepalived's HTTP_GET fails and it removes RS1.
for p in $($IP netns pids nat1); do kill "$p"; done
lab_check keepalived.removed lab_wait_for 30 sh -c "! ipvsadm -Ln -t $VIP:80 | grep -q -- '-> $RS1:80 '"

# By hand: a real server keepalived does not know, a weight changed.
ipvsadm -a -t "$VIP:80" -r 192.0.2.13:80 -m -w 1
ipvsadm -e -t "$VIP:80" -r "$RS2:80" -m -w 5

json=$(lvstop diff --json)
rc=$?
lab_eq diff.drift.exit 1 "$rc"
# lvsd exports the same drift (it finds keepalived.conf where it usually is).
lvsd --listen 127.0.0.1:9587 2> /tmp/lvsd.log &
lvsd_pid=$!
scrape() { wget -O - http://127.0.0.1:9587/metrics 2>/dev/null; }
drift_seen() { scrape | grep -q '^lvsd_drift{kind="real-server-absent"} 1$'; }
lab_check lvsd.drift-absent lab_wait_for 20 drift_seen
scrape > /tmp/metrics.txt
lab_check lvsd.drift-undeclared grep -q '^lvsd_drift{kind="real-server-undeclared"} 1$' /tmp/metrics.txt
lab_check lvsd.drift-differs grep -q '^lvsd_drift{kind="real-server-differs"} 1$' /tmp/metrics.txt
lab_check lvsd.undeclared-gauge grep -q "^lvsd_real_server_declared{service=\"$VIP:80\",.*real_address=\"192.0.2.13\",real_port=\"80\"} 0$" /tmp/metrics.txt
lab_check lvsd.declared-gauge grep -q "^lvsd_real_server_declared{service=\"$VIP:80\",.*real_address=\"$RS2\",real_port=\"80\"} 1$" /tmp/metrics.txt
lab_check lvsd.drift-item grep -q "^lvsd_drift_item{kind=\"real-server-absent\",service=\"TCP $VIP:80\",real_server=\"$RS1:80\",field=\"\"} 1$" /tmp/metrics.txt
lab_check lvsd.declared-info grep -q '^lvsd_declared_info{kind="keepalived.conf",path="/etc/keepalived/keepalived.conf"} 1$' /tmp/metrics.txt
lab_check lvsd.declared-errors grep -q '^lvsd_declared_errors 0$' /tmp/metrics.txt
kill "$lvsd_pid"
wait "$lvsd_pid" 2>/dev/null
echo "$json" > /tmp/diff.json
lab_eq diff.drift.count 3 "$(jq '.drift | length' /tmp/diff.json)"
lab_eq diff.drift.absent "$RS1:80" \
	"$(jq -r '.drift[] | select(.kind == "real-server-absent") | .real_server' /tmp/diff.json)"
lab_check diff.drift.absent-reason sh -c "jq -r '.drift[] | select(.kind == \"real-server-absent\") | .reason' /tmp/diff.json | grep -q 'keepalived removes a real server whose check fails (HTTP_GET)'"
lab_eq diff.drift.absent-where "/etc/keepalived/conf.d/web.conf:7" \
	"$(jq -r '.drift[] | select(.kind == "real-server-absent") | "\(.file):\(.line)"' /tmp/diff.json)"
lab_eq diff.drift.undeclared "192.0.2.13:80" \
	"$(jq -r '.drift[] | select(.kind == "real-server-undeclared") | .real_server' /tmp/diff.json)"
lab_eq diff.drift.weight "$RS2:80 weight 1 5" \
	"$(jq -r '.drift[] | select(.kind == "real-server-differs") | "\(.real_server) \(.field) \(.declared) \(.kernel)"' /tmp/diff.json)"
lab_eq diff.drift.service "TCP $VIP:80" \
	"$(jq -r '[.drift[].service] | unique | join(",")' /tmp/diff.json)"

text=$(lvstop diff)
lab_check diff.text.absent sh -c "echo \"$text\" | grep -q -- '-> $RS1:80  real-server-absent (keepalived removes'"
lab_check diff.text.count sh -c "echo \"$text\" | grep -q '^3 differences$'"

# A file that does not parse: exit 2 with FILE:LINE, the kernel untouched.
printf 'virtual_server 203.0.113.99 80 {\n  lb_kind BOGUS\n}\n' > /tmp/bad.conf
lvstop diff --keepalived /tmp/bad.conf > /dev/null 2> /tmp/bad.err
lab_eq diff.bad.exit 2 "$?"
lab_check diff.bad.where grep -q '^lvstop: /tmp/bad.conf:2: error: lb_kind "BOGUS"' /tmp/bad.err

# RS1 back: keepalived adds it again; undo the hand edits: as declared.
lab_in nat1 httpd -p 80 -h /srv/nat1
lab_check keepalived.readded lab_wait_for 30 svc_has_rs "$RS1"
ipvsadm -d -t "$VIP:80" -r 192.0.2.13:80
ipvsadm -e -t "$VIP:80" -r "$RS2:80" -m -w 1
lvstop diff > /dev/null 2>&1
lab_eq diff.back.exit 0 "$?"

# lvstop on a real server keepalived manages: refused with the reason and
# the file's line; --force applies it (audit log written); the check's
# next transition puts keepalived's weight back.
act="--state-file /tmp/lvstop/state.json --audit-log /tmp/lvstop/audit.log --no-syslog"
lvstop quiesce -t "$VIP:80" -r "$RS1:80" $act > /dev/null 2> /tmp/owner.err
lab_eq owner.refused.exit 1 "$?"
lab_check owner.refused.says grep -q "^lvstop: $RS1:80 in TCP $VIP:80 is declared in /etc/keepalived/conf.d/web.conf:7 with weight 1: keepalived sets that weight again" /tmp/owner.err
lab_check owner.refused.nothing-changed grep -q '^lvstop: nothing was changed; --force applies it anyway' /tmp/owner.err
lab_eq owner.refused.weight 1 "$(ipvsadm -Ln -t "$VIP:80" | awk -v r="$RS1:80" '$2 == r { print $4 }')"
lab_check owner.refused.no-audit test ! -e /tmp/lvstop/audit.log
lvstop quiesce -t "$VIP:80" -r "$RS1:80" $act --force > /dev/null 2> /tmp/owner.err
lab_eq owner.force.exit 0 "$?"
lab_check owner.force.warns grep -q "^lvstop: warning: $RS1:80 in TCP $VIP:80 is declared in .*(applied: --force)" /tmp/owner.err
lab_eq owner.force.weight 0 "$(ipvsadm -Ln -t "$VIP:80" | awk -v r="$RS1:80" '$2 == r { print $4 }')"
lab_check owner.force.audited grep -q "quiesce" /tmp/lvstop/audit.log
for p in $($IP netns pids nat1); do kill "$p"; done
lab_check owner.force.check-fails lab_wait_for 30 sh -c "! ipvsadm -Ln -t $VIP:80 | grep -q -- '-> $RS1:80 '"
lab_in nat1 httpd -p 80 -h /srv/nat1
lab_check owner.force.check-recovers lab_wait_for 30 svc_has_rs "$RS1"
lab_eq owner.force.keepalived-restored 1 "$(ipvsadm -Ln -t "$VIP:80" | awk -v r="$RS1:80" '$2 == r { print $4 }')"

# Who owns a weight (keepalived 2.2.7, as docs/keepalived.md tells it): a
# weight set by hand stays while nothing happens and across a reload of an
# unchanged file; a check transition of that real server puts the file's
# weight back; a reload of a changed weight applies the file's weight.
weight_of() { ipvsadm -Ln -t "$VIP:80" | awk -v r="$1:80" '$2 == r { print $4 }'; }
no_rs2() { ! svc_has_rs "$RS2"; }
stop_rs2() { for p in $($IP netns pids nat2); do kill "$p"; done; }
ipvsadm -e -t "$VIP:80" -r "$RS2:80" -m -w 0
sleep 5
lab_eq owner.hand-weight-stays 0 "$(weight_of "$RS2")"
kill -HUP "$kpid"
sleep 6
lab_eq owner.reload-unchanged-keeps 0 "$(weight_of "$RS2")"
stop_rs2
lab_check owner.check-fails-removes lab_wait_for 30 no_rs2
lab_in nat2 httpd -p 80 -h /srv/nat2
lab_check owner.check-recovers-readds lab_wait_for 30 svc_has_rs "$RS2"
lab_eq owner.transition-restores-file-weight 1 "$(weight_of "$RS2")"
# Drained the way that lasts: weight 0 in the file and a reload...
ipvsadm -e -t "$VIP:80" -r "$RS2:80" -m -w 1
sed -i "/real_server $RS2 80/,/weight/ s/weight 1/weight 0/" /etc/keepalived/conf.d/web.conf
kill -HUP "$kpid"
zero() { [ "$(weight_of "$RS2")" = 0 ]; }
lab_check owner.reload-applies-file-weight lab_wait_for 15 zero
# ...stays drained across a check transition.
stop_rs2
lab_check owner.drained.removed lab_wait_for 30 no_rs2
lab_in nat2 httpd -p 80 -h /srv/nat2
lab_check owner.drained.readded lab_wait_for 30 svc_has_rs "$RS2"
lab_eq owner.drained.stays 0 "$(weight_of "$RS2")"
lvstop diff > /dev/null 2>&1
lab_eq owner.drained.no-drift 0 "$?"

kill "$kpid"
wait "$kpid" 2>/dev/null

# --- The console beside keepalived: the declared marks (a real server keepalived
# removed, greyed under its service with the reason; one added by hand; a weight
# changed by hand) at 80x24 and 120x40, and the owner's question on a console
# quiesce of a declared real server: Esc leaves the weight as ipvsadm shows it,
# y applies it.
sed -i "/real_server $RS2 80/,/weight/ s/weight 0/weight 1/" /etc/keepalived/conf.d/web.conf
keepalived -C -n -l -D -f "$CONF" > /tmp/keepalived-console.log 2>&1 &
kpid=$!
lab_check console.ka.loaded lab_wait_for 30 svc_has_rs "$RS2"
lab_check console.ka.rs1-up lab_wait_for 20 svc_has_rs "$RS1"
for p in $($IP netns pids nat1); do kill "$p"; done
lab_check console.ka.removed lab_wait_for 30 sh -c "! ipvsadm -Ln -t $VIP:80 | grep -q -- '-> $RS1:80 '"
ipvsadm -a -t "$VIP:80" -r 192.0.2.13:80 -m -w 1
ipvsadm -e -t "$VIP:80" -r "$RS2:80" -m -w 5

if command -v tmux >/dev/null 2>&1; then
	export TERM=xterm LC_ALL=C.UTF-8
	S=kacon
	kscreen() { tmux capture-pane -p -t "$S"; }
	kkeys() { tmux send-keys -t "$S" "$@"; sleep 1; }
	kwait() { # SECONDS EXTENDED-REGEX
		_i=0
		while [ "$_i" -lt "$1" ]; do
			kscreen | grep -qE "$2" && return 0
			sleep 1
			_i=$((_i + 1))
		done
		return 1
	}
	kdump() { echo "--- console screen ($1):"; kscreen | sed 's/^/| /'; }
	kgrep() { kscreen | grep -qE -- "$1"; } # EXTENDED-REGEX on the screen
	wgt() { ipvsadm -Ln -t "$VIP:80" | awk -v r="$1:80" '$2 == r { print $4 }'; }
	tmux new-session -d -s "$S" -x 80 -y 24 \
		"sh -c 'lvstop -d 1; echo lvstop-rc=\$?; sleep 600'"
	lab_check console.marks.header kwait 20 'keepalived.conf \(3 drift\)'
	kdump 80x24
	lab_check console.marks.absent kgrep "$RS1:80 \[absent\] +- "
	lab_check console.marks.by-hand kgrep " 192\.0\.2\.13:80 +\+ "
	lab_check console.marks.weight kgrep " $RS2:80 +W +masq +5 "
	lab_check console.marks.declared kgrep " $VIP:80 +[=] "
	tmux resize-window -t "$S" -x 120 -y 40
	lab_check console.marks.header-120 kwait 5 "Declared $CONF \\(3 drift\\)"
	kdump 120x40
	lab_check console.marks.weight-120 kgrep " $RS2:80 +W +masq "
	lab_check console.marks.absent-120 kgrep "$RS1:80 \[absent\] +- "
	tmux resize-window -t "$S" -x 80 -y 24
	# The legend in the help screen.
	kkeys '?'
	kkeys G
	lab_check console.marks.legend kwait 5 'Declared marks, column CF'
	kkeys Escape
	# RS2 under the NAT service: the filter keeps that service, g the top row.
	kkeys / ; kkeys "$VIP:80 rr" ; kkeys Enter ; kkeys g ; kkeys j ; kkeys Enter
	lab_check console.detail.title kwait 5 "Real server $RS2:80 of"
	lab_check console.detail.declared kwait 5 'weight differs: keepalived.conf says 1, the kernel has 5'
	kdump detail
	# Quiesce from the detail view: asked first, with the command line's text.
	kkeys Q
	lab_check console.owner.asks kwait 5 'keepalived sets that'
	lab_check console.owner.keys kwait 2 'y: go ahead'
	kdump owner-question
	lab_eq console.owner.not-yet 5 "$(wgt "$RS2")"
	kkeys Escape
	lab_check console.owner.cancelled kwait 5 'cancelled: nothing was changed'
	sleep 2
	lab_eq console.owner.esc-keeps 5 "$(wgt "$RS2")"
	kkeys Q
	lab_check console.owner.asks-again kwait 5 'keepalived sets that'
	kkeys y
	zero2() { [ "$(wgt "$RS2")" = 0 ]; }
	lab_check console.owner.y-applies lab_wait_for 10 zero2
	kdump after-y
	kkeys Escape
	kkeys q
	lab_check console.exit kwait 5 'lvstop-rc=0'
	tmux kill-session -t "$S"
else
	lab_fail console.tmux "tmux is not in the image"
fi
kill "$kpid"
wait "$kpid" 2>/dev/null
# What the block changed, put back for the blocks below: RS1 serves again,
# the real server added by hand is gone.
lab_in nat1 httpd -p 80 -h /srv/nat1
ipvsadm -d -t "$VIP:80" -r 192.0.2.13:80 2>/dev/null
# --- end of the console block

# --- keepalived undoes an lvstop quiesce: lvsd's log and the audit log say so, once;
# --- lvsd with health.from = "keepalived" judges RS1 down as keepalived does.
# RS1 inhibited on failure (keepalived keeps it at weight 0), so lvsd's
# check of it (taken from the file: HTTP_GET /, status 200) keeps running.
sed -i "/real_server $RS1 80 {/a\\        inhibit_on_failure" /etc/keepalived/conf.d/web.conf
keepalived -C -n -l -D -f "$CONF" > /tmp/keepalived2.log 2>&1 &
kpid=$!
lab_check undo.keepalived-up lab_wait_for 30 svc_has_rs "$RS1"
rm -rf /tmp/undo
mkdir -p /tmp/undo
audit=/tmp/undo/audit.log
printf 'health = { from = "keepalived"; };\n' > /tmp/undo/lvsd.conf
lvsd --config /tmp/undo/lvsd.conf --check-config > /tmp/undo/check.txt 2>&1
lab_eq undo.health-from.check-config 0 "$?"
lab_check undo.health-from.mapping grep -qF "/etc/keepalived/conf.d/web.conf:7: TCP $VIP:80 -> $RS1:80: http GET / expecting 200 every 2 s, timeout 2 s, retry 1 after 1 s" /tmp/undo/check.txt
LVSTOP_AUDIT_LOG=$audit lvsd --config /tmp/undo/lvsd.conf --listen 127.0.0.1:9588 2> /tmp/undo/lvsd.log &
lvsd_pid=$!
scrape9588() { wget -O - http://127.0.0.1:9588/metrics 2>/dev/null; }
rs1_health() { scrape9588 | grep "^lvsd_real_server_healthy{service=\"$VIP:80\",protocol=\"tcp\"" | grep "real_address=\"$RS1\",real_port=\"80\"" | awk '{ print $2 }'; }
rs1_up() { [ "$(rs1_health)" = 1 ]; }
rs1_down() { [ "$(rs1_health)" = 0 ]; }
lab_check undo.health-from.up lab_wait_for 20 rs1_up
lvstop quiesce -t "$VIP:80" -r "$RS1:80" --force --state-file /tmp/undo/state.json \
	--audit-log "$audit" --no-syslog > /dev/null 2>&1
lab_eq undo.quiesce.weight 0 "$(weight_of "$RS1")"
for p in $($IP netns pids nat1); do kill "$p"; done
ka_failed() { grep -qiE "\[$RS1\]:tcp:80.*fail" /tmp/keepalived2.log; }
lab_check undo.keepalived-check-fails lab_wait_for 30 ka_failed
lab_check undo.health-from.down lab_wait_for 20 rs1_down
lab_eq undo.inhibited.weight 0 "$(weight_of "$RS1")"
lab_in nat1 httpd -p 80 -h /srv/nat1
one() { [ "$(weight_of "$RS1")" = 1 ]; }
lab_check undo.keepalived-restores lab_wait_for 30 one
said() { grep -q "keepalived restored weight 1 of $RS1:80 in TCP $VIP:80, undoing lvstop quiesce at .* by root" /tmp/undo/lvsd.log; }
lab_check undo.lvsd-log lab_wait_for 15 said
sleep 5 # more polls: nothing said again
lab_eq undo.lvsd-log-once 1 "$(grep -c 'keepalived restored weight' /tmp/undo/lvsd.log)"
lab_eq undo.audit-once 1 "$(grep -c '"action":"undone"' "$audit")"
lab_check undo.audit-names-change grep -q "\"action\":\"undone\",\"object\":\"TCP $VIP:80 -> $RS1:80\".*\"undoes\":{\"time\":\"[0-9T:.-]*Z\",\"action\":\"quiesce\",\"user\":\"root\"}" "$audit"
lab_check undo.health-from.up-again lab_wait_for 20 rs1_up
kill "$lvsd_pid"
wait "$lvsd_pid" 2>/dev/null
cat /tmp/undo/lvsd.log | sed 's/^/lvsd: /' | tail -n 5
kill "$kpid"
wait "$kpid" 2>/dev/null
