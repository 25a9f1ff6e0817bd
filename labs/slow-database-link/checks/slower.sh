#!/bin/sh
# Step "slow-link": with the delay on port 3306, pages got slower by several round trips' worth
# (each query pays it), and packets really went through the delay (the app uses TCP).
LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/slow-database-link}
. "$LAB/ab-lib.sh"
URL=http://127.0.0.1:8090/
RTT=100   # ms added to every round trip: 50 ms each way

if ! read -r base_mean base_p95 queries 2>/dev/null < "$LAB/state/baseline"; then
  echo "No baseline yet: go back to the first step and press Check there (without the delay) to record it."
  exit 1
fi
if ! tc qdisc show dev lo | grep -q '^qdisc netem 10: parent 1:1'; then
  echo "No delay on the database link: inject the fault of this step (tc qdisc show dev lo shows no netem)."
  exit 1
fi
packets() { tc -s qdisc show dev lo | awk '/^qdisc netem 10:/ { n = 1; next } n && /Sent/ { print $4; exit }'; }
before=$(packets)
if ! ab_run "$URL" 8 2; then
  echo "Expected ab to load $URL with the delay in place; it stopped with: $AB_ERROR"
  exit 1
fi
after=$(packets)
if [ "${after:-0}" -le "${before:-0}" ]; then
  echo "The delay is in place but no packet went through it: the shop is not talking to MariaDB over TCP port 3306."
  exit 1
fi
added=$((AB_MEAN - base_mean))
if [ "$AB_FAILED" -ne 0 ] || [ "$AB_NON2XX" -ne 0 ]; then
  echo "Pages take $AB_MEAN ms on average, but $AB_FAILED failed and $AB_NON2XX were non-2xx: expected slow pages, not broken ones."
  exit 1
fi
if [ "$added" -lt $((3 * RTT)) ]; then
  echo "Pages take $AB_MEAN ms on average (baseline $base_mean ms): expected at least $((3 * RTT)) ms more with $RTT ms added to each database round trip."
  exit 1
fi
echo "With $RTT ms more per database round trip, pages take $AB_MEAN ms on average (baseline $base_mean ms): $added ms more, about $(( (added + RTT / 2) / RTT )) times the delay. 95% within $AB_P95 ms (baseline $base_p95 ms)."
exit 0
