#!/bin/sh
# Step "count-round-trips": the learner's estimate of database round trips per page (in
# /tmp/round-trips.txt) matches the queries plus the connection set-up, or the measurement.
LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/slow-database-link}
. "$LAB/ab-lib.sh"
URL=http://127.0.0.1:8090/
ANSWER=/tmp/round-trips.txt
RTT=100

answer=$(tr -dc '0-9' 2>/dev/null < "$ANSWER" | cut -c1-4)
if [ -z "$answer" ]; then
  echo "Expected your estimate of round trips per page in $ANSWER, e.g. echo 5 > $ANSWER"
  exit 1
fi
if ! read -r base_mean base_p95 queries 2>/dev/null < "$LAB/state/baseline"; then
  echo "No baseline yet: go back to the first step and press Check there (without the delay) to record it."
  exit 1
fi
if ! tc qdisc show dev lo | grep -q '^qdisc netem 10: parent 1:1'; then
  echo "You wrote $answer, but the delay is not in place, so there is nothing to compare: inject the fault of this step."
  exit 1
fi
if ! ab_run "$URL" 6 2 || [ "$AB_FAILED" -ne 0 ] || [ "$AB_NON2XX" -ne 0 ]; then
  echo "Expected the shop to answer while delayed; ab saw: ${AB_ERROR:-$AB_FAILED failed, $AB_NON2XX non-2xx}"
  exit 1
fi
added=$((AB_MEAN - base_mean))
measured=$(( (added + RTT / 2) / RTT ))
expected=$((queries + 3))
# Right if it matches the arithmetic (queries + 3 to connect, give or take one) or what this
# VM measures now (give or take one and a half round trips).
if awk -v a="$answer" -v e="$expected" -v add="$added" -v rtt="$RTT" \
  'BEGIN { d = a - e; m = a - add / rtt; exit !((d <= 1 && d >= -1) || (m <= 1.5 && m >= -1.5)) }'; then
  echo "Right: you said $answer. The page got $added ms slower ($base_mean -> $AB_MEAN ms), about $measured round trips of $RTT ms: $queries queries, plus about 3 to open the connection and log in."
  exit 0
fi
echo "You said $answer round trips, but the page got $added ms slower ($base_mean -> $AB_MEAN ms): about $measured round trips of $RTT ms. The page makes $queries queries; what else talks to the database before the first one?"
exit 1
