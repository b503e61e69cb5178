# Shared by the host integration tests in tests/exporter/: check counting,
# prerequisites, free loopback ports, and ending the processes a test
# started (by PID, from $pids). Source it after setting $build.

passed=0
failed=0
pids=""

ok() { echo "ok $1"; passed=$((passed + 1)); }
bad() { n=$1; shift; echo "FAIL $n: $*"; failed=$((failed + 1)); }
check() { # NAME CMD...: ok when CMD exits 0
	n=$1
	shift
	if out=$("$@" 2>&1); then ok "$n"; else bad "$n" "$(printf '%s' "$out" | tail -n 3 | tr '\n' '|')"; fi
}

# need_bins WHAT FILE...: exit 2 unless every FILE is executable.
need_bins() {
	what=$1
	shift
	for b in "$@"; do
		[ -x "$b" ] || { echo "$what: $b missing (make all $build/bench/bench_exporter)" >&2; exit 2; }
	done
}

# need_tools WHAT TOOL...: exit 2 unless every TOOL is on the PATH.
need_tools() {
	what=$1
	shift
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "$what: $t missing (sh tests/deps.sh)" >&2; exit 2; }
	done
}

# wait_eq SECONDS WANT CMD...: until CMD prints WANT, tried every 0.1 s;
# past SECONDS, say what it printed last and fail.
wait_eq() {
	_n=$(($1 * 10)) _want=$2
	shift 2
	while [ "$_n" -gt 0 ]; do
		[ "$("$@")" = "$_want" ] && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	echo "$* gave '$("$@")', wanted $_want"
	return 1
}

# End every process this test started, and reap them.
stop_pids() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
}

# A free port on 127.0.0.1 (asked of the kernel through busybox nc).
port() {
	# Below the kernel's ephemeral range (ip_local_port_range, 32768 up
	# by default): a port there can be the local end of some connection,
	# free to nc -z but not to bind.
	p=$(( ( $(od -An -N2 -tu2 /dev/urandom) % 12000 ) + 20000 ))
	while busybox nc -z 127.0.0.1 "$p" 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}
