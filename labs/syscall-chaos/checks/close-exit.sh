#!/bin/sh
# Step "seccomp-close": the learner's answer (in /tmp/close-exit-status.txt) is the exit status
# of the static System X when close(2) fails under seccomp-run. The check runs the experiment
# itself, on a port of its own (8078), and compares.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/syscall-chaos}/http-lib.sh"
ANSWER=/tmp/close-exit-status.txt
PORT=8078

if [ ! -x "$BIN/seccomp-run" ] || [ ! -x "$BIN/systemx-static" ]; then
  echo "The lab's programs are missing from $BIN: start the lab again (its setup builds them)."
  exit 1
fi
answer=$(tr -dc '0-9' 2>/dev/null < "$ANSWER" | cut -c1-3)
if [ -z "$answer" ]; then
  echo "Expected the exit status of systemx-static under seccomp-run close in $ANSWER, e.g. echo 3 > $ANSWER"
  exit 1
fi
answer=$((answer + 0))

close_experiment "$PORT"
if [ "$CE_STATUS" = running ]; then
  echo "The check's own run of systemx-static with close blocked did not end after one request (HTTP $CE_CODE); expected it to exit. Is seccomp-run intact? (setup rebuilds it)"
  exit 1
fi
if [ "$answer" -eq "$CE_STATUS" ]; then
  echo "Right: with close(2) failing, System X answered one request (HTTP $CE_CODE), then exited with status $CE_STATUS: \"$CE_SAID\". Every client after that gets Connection refused."
  exit 0
fi
if [ "$answer" -eq 127 ]; then
  echo "127 is what the dynamic build gets: the dynamic loader fails before System X even starts (it calls close too). Run the static one, ./bin/systemx-static, send it one request with curl, and read its exit status."
else
  echo "You wrote $answer, but that is not how systemx-static ends when close fails. Run it under seccomp-run close, send it one request with curl, and read the last line seccomp-run prints."
fi
exit 1
