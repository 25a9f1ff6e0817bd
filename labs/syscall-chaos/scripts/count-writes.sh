#!/bin/sh
# Solve for step "count-writes": what a learner does. Attach strace -c to System X, send a few
# requests, detach, divide the write calls by the requests, and write the result where the
# check reads it.
set -u
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/syscall-chaos}/http-lib.sh"
REQUESTS=4

pid=$(systemx_pid) || { echo "System X is not running."; exit 1; }
summary=$(mktemp)
strace -c -p "$pid" -e trace=write -o "$summary" 2>/dev/null &
tracer=$!
i=0
until [ "$(tracer_of "$pid")" = "$tracer" ]; do
  i=$((i + 1))
  if [ "$i" -ge 120 ] || ! kill -0 "$tracer" 2>/dev/null; then
    echo "strace could not attach to System X (PID $pid): is another tracer attached? TracerPid=$(tracer_of "$pid")"
    kill "$tracer" 2>/dev/null
    rm -f "$summary"
    exit 1
  fi
  sleep 0.25
done
n=0
while [ "$n" -lt "$REQUESTS" ]; do
  curl -s -m 30 -o /dev/null "$URL"
  n=$((n + 1))
done
kill -INT "$tracer"
wait "$tracer"
writes=$(awk '$NF == "write" { print $4 }' "$summary")
rm -f "$summary"
[ -n "$writes" ] || { echo "strace -c counted no write calls."; exit 1; }
# rm first: with fs.protected_regular, even root may not reopen a learner's file in /tmp.
rm -f /tmp/writes-per-request.txt
echo $((writes / REQUESTS)) > /tmp/writes-per-request.txt
echo "strace -c counted $writes write calls for $REQUESTS requests: wrote $((writes / REQUESTS)) to /tmp/writes-per-request.txt."
