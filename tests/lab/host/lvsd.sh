#!/bin/sh
# Host side of the lvsd scenario: the /metrics body lvsd served from the
# real kernel, printed by the guest between markers on the serial console,
# must pass `promtool check metrics` with no finding.
# usage: sh tests/lab/host/lvsd.sh SERIAL_LOG   (prints LAB ok/FAIL lines)
log=$1
body=$(mktemp /tmp/lvsd_lab_body_XXXXXX)
trap 'rm -f "$body"' EXIT
sed -n '/^LAB body-begin metrics$/,/^LAB body-end metrics$/p' "$log" | sed '1d;$d' > "$body"
if ! command -v promtool >/dev/null 2>&1; then
	echo "LAB FAIL lvsd.promtool: promtool is not installed (sh tests/deps.sh)"
elif [ ! -s "$body" ]; then
	echo "LAB FAIL lvsd.promtool: the guest printed no /metrics body"
elif out=$(promtool check metrics < "$body" 2>&1) && [ -z "$out" ]; then
	echo "LAB ok lvsd.promtool ($(grep -vc '^#' "$body") samples from the real kernel)"
else
	echo "LAB FAIL lvsd.promtool: $(printf '%s' "$out" | head -n 5 | tr '\n' '|')"
fi
