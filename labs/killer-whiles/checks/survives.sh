#!/bin/sh
# Step "raise-the-limit": fizzbuzz-a has an override that changes its start limit (or restart
# delay), systemd has read it, and with the killer loop running it keeps coming back: more
# automatic restarts than the 5 the default limit allowed, and no errors for the clients.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/killer-whiles}/ab-lib.sh"

show() { systemctl show -p "$1" --value fizzbuzz-a; }

# Only the unit's own drop-ins count (a system-wide service.d/ drop-in would be listed too).
if ! show DropInPaths | tr ' ' '\n' | grep -q '/fizzbuzz-a\.service\.d/'; then
  echo "Expected an override for fizzbuzz-a, e.g. /etc/systemd/system/fizzbuzz-a.service.d/override.conf; systemctl cat fizzbuzz-a shows none yet."
  exit 1
fi
if [ "$(show NeedDaemonReload)" = yes ]; then
  echo "The override is on disk but systemd has not read it: run sudo systemctl daemon-reload."
  exit 1
fi
interval=$(show StartLimitIntervalUSec)
burst=$(show StartLimitBurst)
delay=$(show RestartUSec)
limits="StartLimitIntervalSec=$interval, StartLimitBurst=$burst, RestartSec=$delay"
if [ "$interval" = 10s ] && [ "$burst" = 5 ] && [ "$delay" = 100ms ]; then
  echo "The override does not change the start limit: systemd still reads $limits (the defaults). Put StartLimitIntervalSec=0 in its [Unit] section."
  exit 1
fi

state=$(show ActiveState)
result=$(show Result)
restarts=$(show NRestarts)
if [ "$state" = failed ] || [ "$result" = start-limit-hit ]; then
  echo "fizzbuzz-a is $state (result $result) with $limits. If it failed before the fix, run sudo systemctl reset-failed fizzbuzz-a and sudo systemctl start fizzbuzz-a; if it failed again, the new limit is still too low for the loop."
  exit 1
fi
if ! systemctl is-active -q killer-while; then
  echo "The override is in effect ($limits). Now inject the killer loop again (this step's fault) and see whether fizzbuzz-a stays up."
  exit 1
fi
if [ "${restarts:-0}" -le 5 ]; then
  echo "Under fire: fizzbuzz-a has been restarted $restarts times so far ($limits). It must come back more than 5 times, the old limit."
  exit 1
fi

if ! ab_run http://127.0.0.1:8080/fizzbuzz/15 20 2; then
  echo "fizzbuzz-a keeps coming back ($restarts restarts), but ab could not reach nginx: $AB_ERROR"
  exit 1
fi
if [ "$AB_FAILED" -ne 0 ] || [ "$AB_NON2XX" -ne 0 ]; then
  echo "fizzbuzz-a keeps coming back ($restarts restarts), but clients see errors: $AB_FAILED failed and $AB_NON2XX non-2xx of 20 (is fizzbuzz-b up? systemctl status fizzbuzz-b)."
  exit 1
fi
echo "fizzbuzz-a survives the loop: $restarts automatic restarts and systemd has not given up (now $state; $limits); 20 of 20 requests answered, 0 failed, 0 non-2xx."
exit 0
