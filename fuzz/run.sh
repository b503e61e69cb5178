#!/bin/sh
# Runs each libFuzzer harness for FUZZ_SECONDS over its seed corpus
# (fuzz/corpus/TARGET/, read only: new inputs go to a scratch corpus in
# FUZZ_DIR) with its dictionary (fuzz/dict/TARGET.dict) when there is one.
# Any crash, leak, timeout or broken invariant fails the run; the input is
# kept as FUZZ_DIR/artifacts/TARGET-crash-... . Usage: run.sh [TARGET...]
set -e
FUZZ_DIR=${FUZZ_DIR:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
cd "$(dirname "$0")/.."
targets="$*"
[ -n "$targets" ] || targets=$(ls fuzz/fuzz_*.c | sed 's,fuzz/fuzz_\(.*\)\.c,\1,')
mkdir -p "$FUZZ_DIR/artifacts"
# Leaks inside system libraries we cannot fix (each entry says why).
export LSAN_OPTIONS="suppressions=$(pwd)/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
failed=""
for t in $targets; do
	bin="$FUZZ_DIR/fuzz/fuzz_$t"
	[ -x "$bin" ] || { echo "fuzz: $bin not built (make FUZZ=1 fuzz-bins)" >&2; exit 1; }
	work="$FUZZ_DIR/corpus/$t"
	mkdir -p "$work"
	dict=""
	[ -f "fuzz/dict/$t.dict" ] && dict="-dict=fuzz/dict/$t.dict"
	echo "fuzz: $t for ${FUZZ_SECONDS}s"
	if ! "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$FUZZ_DIR/artifacts/$t-" $dict \
		"$work" "fuzz/corpus/$t" > "$FUZZ_DIR/$t.log" 2>&1; then
		tail -n 40 "$FUZZ_DIR/$t.log" >&2
		failed="$failed $t"
		continue
	fi
	grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec' "$FUZZ_DIR/$t.log" |
		sed "s/^/fuzz: $t /"
done
if [ -n "$failed" ]; then
	echo "fuzz: FAILED:$failed (logs: $FUZZ_DIR/TARGET.log)" >&2
	exit 1
fi
echo "fuzz: all targets passed"
