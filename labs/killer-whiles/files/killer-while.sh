#!/bin/sh
# The "killer while": sends SIGTERM to FizzBuzz instance A (port 8001) about twice a second, for
# as long as it runs. The lab's fault starts it as a transient systemd unit, killer-while.service,
# so `journalctl -u killer-while` shows every kill; its PID is kept in /run/killer-while.pid.
# Chaos Lab, "Killer whiles" lab.

PIDFILE=/run/killer-while.pid
PATTERN='fizzbuzz.py --port 8001'

echo $$ > "$PIDFILE"
trap 'rm -f "$PIDFILE"; exit 0' TERM INT

kills=0
while true; do
  # pgrep never lists itself; the pattern names instance A's command line and nothing else.
  # One process per look (no pipe to paste): on a slow, emulated VM every fork counts, and a
  # loop slower than about one kill per 1.7 s never trips systemd's start limit (5 starts per
  # 10 s window), which is what this lab is about.
  victims=$(pgrep -d ' ' -f "$PATTERN")
  if [ -n "$victims" ]; then
    kills=$((kills + 1))
    echo "kill #$kills: SIGTERM to fizzbuzz-a, PID $victims"
    # shellcheck disable=SC2086  # one or more PIDs, split on purpose
    kill -TERM $victims 2>/dev/null
  fi
  sleep 0.5
done
