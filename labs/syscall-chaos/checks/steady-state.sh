#!/bin/sh
# Step "steady-state": System X runs with no tracer attached, curl gets a complete 200, and
# ab gets 200 of 200 answers with none failed. Saves the requests per second as the baseline.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/syscall-chaos}/http-lib.sh"
N=200

if ! pid=$(systemx_pid); then
  echo "System X is not running: expected systemx.service to be active. sudo systemctl status systemx --no-pager shows why."
  exit 1
fi
tracer=$(tracer_of "$pid")
if [ "${tracer:-0}" != 0 ]; then
  echo "A tracer (PID $tracer, $(cat "/proc/$tracer/comm" 2>/dev/null)) is attached to System X: the steady state is measured without one. Stop it (Ctrl-C in its terminal, or Revert the fault) and check again."
  exit 1
fi
probe "$URL"
if [ "$PROBE_OK" != 1 ]; then
  echo "Expected curl to get a 200 with the whole page from $URL; it got: exit $PROBE_RC ${PROBE_WHY:+($PROBE_WHY)}, status $PROBE_CODE, $PROBE_BYTES of ${PROBE_LENGTH:-?} bytes."
  exit 1
fi
if ! ab_run "$URL" "$N" 2; then
  echo "Expected ab to load $URL; it stopped with: $AB_ERROR"
  exit 1
fi
if [ "$AB_COMPLETE" -ne "$N" ] || [ "$AB_FAILED" -ne 0 ] || [ "$AB_NON2XX" -ne 0 ]; then
  echo "Expected $N requests complete, 0 failed, 0 non-2xx; ab saw $AB_COMPLETE complete, $AB_FAILED failed, $AB_NON2XX non-2xx."
  exit 1
fi
mkdir -p "$STATE"
echo "$AB_RPS" > "$STATE/baseline"
echo "Steady state: $N of $N requests, 0 failed, $AB_RPS requests per second; curl got a 200 with all $PROBE_BYTES bytes of the page. Saved as the baseline."
exit 0
