#!/bin/sh
# The command line on this host, with the built lvstop: the help lists what
# the man page lists, unknown commands are named, every field error comes
# before IPVS is reached (so here too, whether or not the host has ip_vs),
# and a command that changes nothing leaves no file behind.
# usage: BUILD_DIR=build sh tests/cli/run.sh
set -u
build=${BUILD_DIR:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/exporter/lib.sh"
lvstop=$build/lvstop
need_bins cli "$lvstop"

tmp=$(mktemp -d /tmp/lvstop-cli.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT
# The state file and audit log the commands would write, in a fresh place.
export LVSTOP_STATE_FILE="$tmp/state/var/lib/lvstop/state.json"
export LVSTOP_AUDIT_LOG="$tmp/state/var/log/lvstop/audit.log"

# run NAME WANT-RC WANT-TEXT ARGS...: exit code and a piece of stderr.
run() {
	n=$1 want_rc=$2 want=$3
	shift 3
	out=$("$lvstop" "$@" 2>&1 >/dev/null)
	rc=$?
	case $out in
	*"$want"*) if [ "$rc" = "$want_rc" ]; then ok "$n"; else bad "$n" "exit $rc, not $want_rc: $out"; fi ;;
	*) bad "$n" "exit $rc; expected '$want' in: $out" ;;
	esac
}

# --- the help and the man page agree -------------------------------------
"$lvstop" --help > "$tmp/help" 2>&1
check help.exit test $? -eq 0
# The commands --help lists: the lines after "commands", "  NAME  summary".
sed -n '/^commands/,$p' "$tmp/help" | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' > "$tmp/help.names"
# The man page's: the first word of each .TP entry in COMMANDS, with its
# arguments (font escapes dropped, \- read as -).
sed -n '/^\.SH COMMANDS/,/^\.SH [A-Z]/p' "$top/docs/lvstop.8" |
	awk '/^\.TP/ { getline; print }' |
	sed -e 's/\\f[BIR]//g' -e 's/\\-/-/g' -e 's/^\.B //' > "$tmp/man.synopses"
cut -d' ' -f1 "$tmp/man.synopses" > "$tmp/man.names"
check help.lists-commands test "$(wc -l < "$tmp/help.names")" -ge 17
if diff "$tmp/help.names" "$tmp/man.names" > "$tmp/diff"; then ok help.same-as-man
else bad help.same-as-man "$(tr '\n' '|' < "$tmp/diff")"; fi
# Each command's arguments: `lvstop help COMMAND` says what the man page says.
while read -r name args; do
	got=$("$lvstop" help "$name" | sed -n 's/^usage: lvstop //p')
	if [ "$got" = "$name $args" ]; then ok "help.args.$name"
	else bad "help.args.$name" "help: '$got'; man: '$name $args'"; fi
done < "$tmp/man.synopses"
for c in $(cat "$tmp/help.names"); do
	"$lvstop" help "$c" > /dev/null 2>&1 || bad "help.$c" "lvstop help $c failed"
done
"$lvstop" help > "$tmp/help2" 2>&1
check help.word-equals-option cmp "$tmp/help" "$tmp/help2"
check help.in-command sh -c "'$lvstop' quiesce --help | grep -q '^usage: lvstop quiesce SERVICE -r ADDR'"

# --- unknown commands --------------------------------------------------------
run unknown.named 2 'unknown command "frobnicate"' frobnicate -t 1.2.3.4:80
out=$("$lvstop" frobnicate -t 1.2.3.4:80 2>&1)
case $out in *"unknown option"*) bad unknown.not-option "$out" ;; *) ok unknown.not-option ;; esac
run unknown.suggests 2 '(did you mean "quiesce"?' quiesec -t 1.2.3.4:80 -r 10.0.0.1
run unknown.suggests-drain 2 'did you mean "drain"?' drian -t 1.2.3.4:80 -r 10.0.0.1
run unknown.help 2 'unknown command "frob"' help frob
run unknown.printable 2 'unknown command "x\x1b[2J"' "$(printf 'x\033[2J')"

# --- the column names --help and lvstop(8) give are the table's -------------
# The table's, from the error for an unknown name (made from the table);
# the name column cannot be chosen, so neither lists it.
"$lvstop" --columns bogus 2>&1 | sed -n 's/.*(the columns: \([^;]*\);.*/\1/p' |
	tr -d ' ' | tr ',' '\n' | grep -vx name | sort > "$tmp/cols.table"
# --help: the words after "names:" up to the next option.
sed -n '/--columns LIST  /,/^  --[a-z]/p' "$tmp/help" | tr '\n' ' ' |
	sed -n 's/.*names: \([a-z, ]*\).*/\1/p' | tr -d ' ' | tr ',' '\n' | grep . | sort > "$tmp/cols.help"
# lvstop(8): the bold words after "Names:" up to "the name column".
sed -n '/^\.BI \\-\\-columns/,/the name column is always shown/p' "$top/docs/lvstop.8" |
	sed -n '/Names:/,$p' | sed -n 's/^\.BR\{0,1\} \([a-z]*\).*/\1/p' | sort > "$tmp/cols.man"
check columns.table-read test "$(wc -l < "$tmp/cols.table")" -ge 15
check columns.help-lists-table cmp -s "$tmp/cols.table" "$tmp/cols.help"
check columns.man-lists-table cmp -s "$tmp/cols.table" "$tmp/cols.man"

# --- the console's --columns, refused before anything starts ---------------
run columns.unknown 2 'no column "bogus" (the columns: proto, name,' --columns bogus
run columns.name 2 '--columns: the name column cannot be left out' --columns cps,-name
run columns.empty 2 'an empty column name' --columns 'cps,,pers'
run columns.printable 2 'no column "\x1b[2J"' --columns "$(printf '\033[2J')"

# --- field errors before IPVS ------------------------------------------------
run field.gue-without-i 2 'tunnel options (--tun-*) need tunnelling (-i)' \
	add-server -t 192.0.2.1:80 -r 10.0.0.1 --tun-type gue --tun-port 6080
run field.gue-without-port 2 'GUE needs a port' \
	add-server -t 192.0.2.1:80 -r 10.0.0.1 -i --tun-type gue
run field.dr-port 2 "direct routing and tunnelling keep the service's port (80), not 8080" \
	add-server -t 192.0.2.1:80 -r 10.0.0.1:8080 -g
run field.dr-port-edit 2 "keep the service's port (80), not 8080" \
	edit-server -t 192.0.2.1:80 -r 10.0.0.1:8080 -g
run field.port0 2 'port 0 (any port) needs a persistent service (-p)' \
	add-service -t 192.0.2.1:0
run field.v6-on-v4 2 'a real server of another address family than the service must use tunnelling (-i)' \
	add-server -t 192.0.2.1:80 -r '[2001:db8::1]:80'
run field.v6-on-v4-masq 2 'must use tunnelling (-i)' \
	add-server -t 192.0.2.1:80 -r '[2001:db8::1]:80' -m
run field.timeouts-negative 2 'tcp timeout: -1 is negative: must be 0 or more' timeouts -1 0 0
run field.weight-negative 2 'weight: -3 is negative: must be 0 or more' \
	add-server -t 192.0.2.1:80 -r 10.0.0.1 -w -3
printf -- '-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 10.0.0.1:81 -g -w 1\n' > "$tmp/rules"
run field.rule-file 2 "rules: line 2: real server port" load "$tmp/rules"
check field.no-files test ! -e "$tmp/state"

# --- a command that changes nothing leaves no file ------------------------
q_out=$("$lvstop" quiesce -t 192.0.2.1:80 -r 10.0.0.1:80 2>&1)
q_rc=$?
check nofile.failed test "$q_rc" -ne 0
if [ ! -e /proc/net/ip_vs ]; then
	case $q_out in
	*"IPVS is not available"*) if [ "$q_rc" = 1 ]; then ok nofile.no-ipvs; else bad nofile.no-ipvs "exit $q_rc"; fi ;;
	*) bad nofile.no-ipvs "$q_out" ;;
	esac
fi
if [ -e "$tmp/state" ]; then bad nofile.none-left "$(find "$tmp/state" | tr '\n' ' ')"
else ok nofile.none-left; fi

# --- the console's frames: bytes each class of key writes ------------------
# The full-screen console driven in-process on a pseudo-terminal of a fixed
# size over a fixed generated table (bench_console --frames): no frame of
# any class of key (moves, pages, sorting, filter typing, view switches,
# Esc) writes more than 8,000 bytes. Bytes are deterministic; time is not
# measured here.
frames=$build/bench/bench_console
if [ -x "$frames" ]; then
	check console.frames-8kb "$frames" --frames 2000 10 --size 200x50 --max 8000
	"$frames" --frames 2000 10 --size 200x50 > "$tmp/frames" 2>&1
	check console.frames-every-class grep -q '^console_frames_esc_keys [1-9]' "$tmp/frames"
	# The console's peak memory (VmHWM of this process: snapshots, history
	# rings, tables, event log) at the benchmark's 10,000 x 10, whose
	# replayed snapshots wrap around once (every counter goes down: one
	# reset event per object) as a looped recording does: at most 128 MB.
	check console.peak-memory-128mb "$frames" --frames 10000 10 --size 200x60 --max-rss 128
	# The benchmark's own size: 10,000 x 10 on a 200x60 terminal.
	check console.frames-8kb-200x60 "$frames" --frames 10000 10 --size 200x60 --max 8000
else
	bad console.frames "$frames missing (make $frames)"
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
