#!/bin/sh
# Step "count-writes": the learner's count of write(2) calls per request (in
# /tmp/writes-per-request.txt) is right: one for the header, then one per 3 bytes of the page.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/syscall-chaos}/http-lib.sh"
ANSWER=/tmp/writes-per-request.txt

answer=$(tr -dc '0-9' 2>/dev/null < "$ANSWER" | cut -c1-6)
if [ -z "$answer" ]; then
  echo "Expected your count of write calls per request in $ANSWER, e.g. echo 10 > $ANSWER"
  exit 1
fi
probe "$URL"
length=${PROBE_LENGTH:-189}
pieces=$(( (length + 2) / 3 ))
expected=$((pieces + 1))
answer=$((answer + 0))
if [ "$answer" -eq "$expected" ]; then
  echo "Right: $expected writes per request: 1 for the header, then $pieces for the $length-byte page, 3 bytes at a time. Plus one fsync that always fails (EINVAL) and nobody notices."
  exit 0
fi
if [ "$answer" -gt "$expected" ] && [ $((answer % expected)) -eq 0 ]; then
  echo "You wrote $answer: that is $((answer / expected)) requests' worth. Divide the write count of strace -c by the number of requests you sent while it was attached."
elif [ "$answer" -eq "$pieces" ]; then
  echo "You wrote $answer: close. Look at the first write of each request in strace -f -e trace=write: it is not 3 bytes long."
else
  echo "You wrote $answer, which is not what System X does. Attach strace -c, send exactly one request with curl, detach, and read the calls column of write."
fi
exit 1
