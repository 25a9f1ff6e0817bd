#!/bin/sh
# Step "steady-state": 40 pages, none failed or non-2xx, served over a TCP link to MariaDB and
# with no delay in place. Saves the mean and 95th percentile in state/baseline for later steps.
LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/slow-database-link}
. "$LAB/ab-lib.sh"
URL=http://127.0.0.1:8090/
N=40

if tc qdisc show dev lo | grep -q '^qdisc netem 10: parent 1:1'; then
  echo "The database delay is in place: revert it before measuring the steady state."
  exit 1
fi
headers=$(curl -s -m 30 -o /dev/null -D - "$URL" | tr -d '\r')
queries=$(printf '%s\n' "$headers" | sed -n 's/^X-DB-Queries: //p')
link=$(printf '%s\n' "$headers" | sed -n 's/^X-DB-Link: //p')
if [ -z "$queries" ]; then
  echo "Expected the shop to answer on $URL with its X-DB-Queries header; it did not ($(systemctl is-active chaos-shop) / mariadb $(systemctl is-active mariadb))."
  exit 1
fi
case "$link" in
  *TCP*) ;;
  *) echo "The shop talks to MariaDB via \"$link\": expected TCP/IP, or a delay on port 3306 would miss it."; exit 1 ;;
esac
if ! ab_run "$URL" "$N" 2; then
  echo "Expected ab to load $URL; it stopped with: $AB_ERROR"
  exit 1
fi
if [ "$AB_COMPLETE" -ne "$N" ] || [ "$AB_FAILED" -ne 0 ] || [ "$AB_NON2XX" -ne 0 ]; then
  echo "Expected $N pages, 0 failed and 0 non-2xx; ab saw $AB_COMPLETE complete, $AB_FAILED failed, $AB_NON2XX non-2xx."
  exit 1
fi
mkdir -p "$LAB/state"
echo "$AB_MEAN $AB_P95 $queries" > "$LAB/state/baseline"
echo "Steady state: $N of $N pages, 0 failed, 0 non-2xx; mean $AB_MEAN ms, 95% within $AB_P95 ms; $queries queries per page over $link. Saved as the baseline."
exit 0
