#!/bin/sh
# Runs each libFuzzer harness for FUZZ_SECONDS over its seed corpus
# (fuzz/corpus/TARGET/, read only: new inputs go to a scratch corpus in
# FUZZ_DIR) with its dictionary (fuzz/dict/TARGET.dict) when there is one.
# Any crash, leak, timeout or broken invariant fails the run; the input is
# kept as FUZZ_DIR/artifacts/TARGET-crash-... . Usage: run.sh [TARGET...]
# With FUZZ_RUNS=N each target runs until N executions instead (the long
# runs), one target at a time; FUZZ_NICE (default 10 then) is its nice level.
# FUZZ_TIMEOUT: seconds of wall time one input may take before it counts as
# a hang (default 10; 60 for the long runs: a niced process on a busy
# machine can wait that long for a core, and libFuzzer counts wall time).
# FUZZ_FORK=N runs libFuzzer's fork mode: N worker processes fuzz the one
# corpus and the run counts their executions together (-runs bounds the sum),
# so a long run uses every core and still reports one figure.
# FUZZ_MAX_LEN=N bounds the inputs' length (libFuzzer's -max_len; by
# default the corpus's longest input or 4,096 bytes).
set -e
FUZZ_DIR=${FUZZ_DIR:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_RUNS=${FUZZ_RUNS:-}
FUZZ_FORK=${FUZZ_FORK:-}
fork=""
case $FUZZ_FORK in
'' | 0 | 1) ;;
*[!0-9]*) echo "fuzz: FUZZ_FORK=$FUZZ_FORK: not a number of processes" >&2; exit 2 ;;
*) fork="-fork=$FUZZ_FORK" ;;
esac
FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-}
maxlen=""
case $FUZZ_MAX_LEN in
'') ;;
*[!0-9]* | 0) echo "fuzz: FUZZ_MAX_LEN=$FUZZ_MAX_LEN: not a length in bytes" >&2; exit 2 ;;
*) maxlen="-max_len=$FUZZ_MAX_LEN" ;;
esac
if [ -n "$FUZZ_RUNS" ]; then
	FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-60}
	limit="-runs=$FUZZ_RUNS"
	what="to $FUZZ_RUNS executions"
	nice="nice -n ${FUZZ_NICE:-10}"
else
	FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
	limit="-max_total_time=$FUZZ_SECONDS"
	what="for ${FUZZ_SECONDS}s"
	nice=""
	[ -z "$FUZZ_NICE" ] || nice="nice -n $FUZZ_NICE"
fi
cd "$(dirname "$0")/.."
targets="$*"
[ -n "$targets" ] || targets=$(ls fuzz/fuzz_*.c | sed 's,fuzz/fuzz_\(.*\)\.c,\1,')
mkdir -p "$FUZZ_DIR/artifacts"
# Absolute: a harness may be in a folder of its own when its input fails
# (lvsd_conf reads its files from one), and the input must still be kept.
case $FUZZ_DIR in /*) ;; *) FUZZ_DIR=$(pwd)/$FUZZ_DIR ;; esac
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
	echo "fuzz: $t $what${fork:+ ($FUZZ_FORK processes)}${maxlen:+ (inputs up to $FUZZ_MAX_LEN bytes)} (load $(cut -d' ' -f1-3 /proc/loadavg))"
	start=$(date +%s)
	if ! $nice "$bin" $fork $maxlen $limit -timeout=$FUZZ_TIMEOUT -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$FUZZ_DIR/artifacts/$t-" $dict \
		"$work" "fuzz/corpus/$t" > "$FUZZ_DIR/$t.log" 2>&1; then
		tail -n 40 "$FUZZ_DIR/$t.log" >&2
		failed="$failed $t"
		continue
	fi
	echo "fuzz: $t $(($(date +%s) - start)) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
	grep -aE '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$FUZZ_DIR/$t.log" |
		sed "s/^/fuzz: $t /"
	grep -aE '^#[0-9]+[[:space:]]+DONE' "$FUZZ_DIR/$t.log" | tail -n 1 | sed "s/^/fuzz: $t /"
	# Fork mode prints no stat:: lines: its last progress line has the
	# executions of all processes together.
	[ -z "$fork" ] || grep -aE '^#[0-9]+: cov:' "$FUZZ_DIR/$t.log" | tail -n 1 | sed "s/^/fuzz: $t /"
done
if [ -n "$failed" ]; then
	logs=""
	for t in $failed; do logs="$logs $FUZZ_DIR/$t.log"; done
	echo "fuzz: FAILED:$failed (logs:$logs)" >&2
	exit 1
fi
echo "fuzz: all targets passed"
