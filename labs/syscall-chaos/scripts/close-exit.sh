#!/bin/sh
# Solve for step "seccomp-close": what a learner does. Run the static System X on port 8071
# under seccomp-run close, send it one request, and write its exit status where the check
# reads it.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/syscall-chaos}/http-lib.sh"

close_experiment 8071
if [ "$CE_STATUS" = running ]; then
  echo "systemx-static under seccomp-run close did not exit after one request (HTTP $CE_CODE)."
  exit 1
fi
rm -f /tmp/close-exit-status.txt
echo "$CE_STATUS" > /tmp/close-exit-status.txt
echo "One request (HTTP $CE_CODE), then System X exited with status $CE_STATUS (\"$CE_SAID\"): wrote $CE_STATUS to /tmp/close-exit-status.txt."
