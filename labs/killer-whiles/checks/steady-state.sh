#!/bin/sh
# Step "steady-state": 50 requests through nginx, none failed, none answered with a non-2xx
# status. ab counts those two separately, so both are read.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/killer-whiles}/ab-lib.sh"
URL=http://127.0.0.1:8080/fizzbuzz/15
N=50

states() {
  for unit in nginx fizzbuzz-a fizzbuzz-b; do
    printf '%s %s, ' "$unit" "$(systemctl is-active "$unit")"
  done | sed 's/, $//'
}

if ! ab_run "$URL" "$N" 5; then
  echo "Expected ab to reach $URL; it stopped with: $AB_ERROR ($(states))."
  exit 1
fi
if [ "$AB_COMPLETE" -eq "$N" ] && [ "$AB_FAILED" -eq 0 ] && [ "$AB_NON2XX" -eq 0 ]; then
  echo "Steady state: $AB_COMPLETE of $N requests answered through nginx, 0 failed, 0 non-2xx (mean ${AB_MEAN} ms)."
  exit 0
fi
echo "Expected $N complete, 0 failed and 0 non-2xx; ab saw $AB_COMPLETE complete, $AB_FAILED failed, $AB_NON2XX non-2xx ($(states))."
exit 1
