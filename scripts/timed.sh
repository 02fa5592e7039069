#!/usr/bin/env bash
# `timed.sh LABEL CMD...`: runs CMD, then prints (and appends to $TIMINGS, if set) how long it took.
# make uses it so every step of `make test` reports its own time.
label=$1
shift
start=$(date +%s%N)
"$@"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
line=$(printf '%-16s %6d.%01ds  %s' "$label" $((ms / 1000)) $((ms % 1000 / 100)) "$([ $rc = 0 ] && echo ok || echo "FAILED (exit $rc)")")
echo "== $line"
if [ -n "${TIMINGS:-}" ]; then mkdir -p "$(dirname "$TIMINGS")" && echo "$line" >>"$TIMINGS"; fi
exit $rc
