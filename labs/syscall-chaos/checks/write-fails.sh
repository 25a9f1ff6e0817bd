#!/bin/sh
# Step "write-fails": strace is attached to System X and makes write(2) fail; ab still counts
# every request as a success, while a strict client (curl) gets broken responses, and System X
# keeps running. Saves ab's requests per second under strace for the last step.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/syscall-chaos}/http-lib.sh"
N=20
LOG=$STATE/write-eio.strace

if ! pid=$(systemx_pid); then
  echo "System X is not running (expected it to survive the failing writes): sudo systemctl status systemx --no-pager"
  exit 1
fi
tracer=$(tracer_of "$pid")
if [ "${tracer:-0}" = 0 ]; then
  echo "No strace is attached to System X: press Inject to start the fault of this step."
  exit 1
fi
command=$(tr '\0' ' ' < "/proc/$tracer/cmdline" 2>/dev/null)
case "$command" in
  *inject=write*|*fault=write*) ;;
  *)
    echo "PID $tracer traces System X but injects nothing into write ($command). Stop it (Ctrl-C), then press Inject."
    exit 1
    ;;
esac

if ! ab_run "$URL" "$N" 1; then
  echo "ab could not finish against System X with the fault in place: $AB_ERROR"
  exit 1
fi
probe "$URL"
injected=''
if systemctl is-active -q systemx-strace; then
  count=$(grep -c 'INJECTED' "$LOG" 2>/dev/null)
  injected=" ${count:-0} writes failed so far."
fi
mkdir -p "$STATE"
echo "$AB_RPS" > "$STATE/under-strace"

if [ "$PROBE_OK" = 1 ]; then
  echo "curl got a complete, valid response ($PROBE_BYTES of $PROBE_LENGTH bytes): with this tracer ($command) the retries hide every failure. The fault of this step (when=1+2) fails the header write of every response: revert yours and press Inject."
  exit 1
fi
ab_said="ab: $AB_COMPLETE of $N complete, $AB_FAILED failed, $AB_RPS requests per second"
if [ "$AB_HTML" = 0 ] && [ -z "$AB_SERVER" ]; then
  ab_said="$ab_said, yet 'Server Software' is empty and 'HTML transferred' is 0 bytes: ab never saw a header"
fi
echo "$ab_said. curl: ${PROBE_WHY:-status $PROBE_CODE, $PROBE_BYTES of ${PROBE_LENGTH:-?} bytes}.$injected System X (PID $pid) is still up."
exit 0
