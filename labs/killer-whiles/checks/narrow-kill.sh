#!/bin/sh
# Step "blast-radius": fizzbuzz-b was killed (systemd restarted it) and the innocent
# fizzbuzz-report, whose command line also mentions 8002, survived the latest kill.

show() { systemctl show -p "$2" --value "$1"; }

r_state=$(show fizzbuzz-report ActiveState)
if [ "$r_state" != active ]; then
  echo "fizzbuzz-report is $r_state ($(show fizzbuzz-report SubState)): the kill hit it too. Start it again (sudo systemctl start fizzbuzz-report), then kill fizzbuzz-b with an aim that matches fizzbuzz-b only."
  exit 1
fi
b_restarts=$(show fizzbuzz-b NRestarts)
b_state=$(show fizzbuzz-b ActiveState)
b_since=$(show fizzbuzz-b ExecMainStartTimestampMonotonic)
r_since=$(show fizzbuzz-report ExecMainStartTimestampMonotonic)
if [ "${b_restarts:-0}" -lt 1 ]; then
  echo "Expected fizzbuzz-b to be killed once and restarted by systemd; it has not been killed since it started (NRestarts=0)."
  exit 1
fi
if [ "$b_state" != active ]; then
  echo "fizzbuzz-b is $b_state after $b_restarts restarts; expected systemd to bring it back (active)."
  exit 1
fi
if ! awk -v b="$b_since" -v r="$r_since" 'BEGIN { exit !(b > r) }'; then
  echo "fizzbuzz-report was (re)started after the last kill of fizzbuzz-b, so that kill does not count: kill fizzbuzz-b once more, without touching fizzbuzz-report."
  exit 1
fi
echo "Narrow aim: fizzbuzz-b was killed and restarted (PID $(show fizzbuzz-b MainPID), $b_restarts restarts) while fizzbuzz-report kept running (PID $(show fizzbuzz-report MainPID), up since $(show fizzbuzz-report ExecMainStartTimestamp | awk '{print $3}'))."
exit 0
