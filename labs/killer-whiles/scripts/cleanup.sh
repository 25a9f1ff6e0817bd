#!/bin/sh
# Chaos Lab, "Killer whiles" lab: cleanup (run as root). Stops the killer loop, the FizzBuzz
# units and the report job, removes them with every override, removes the nginx site, restores
# what setup backed up and leaves nginx running only if it was running before the lab.
# Safe to run twice, or without a setup before it.

LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/killer-whiles}
STATE=$LAB/state
BACKUP=$STATE/backup
SITE=/etc/nginx/conf.d/killer-whiles.conf
status=0

systemctl stop killer-while.service 2>/dev/null
rm -f /run/killer-while.pid

for unit in fizzbuzz-report fizzbuzz-a fizzbuzz-b; do
  systemctl stop "$unit.service" 2>/dev/null
  systemctl reset-failed "$unit.service" 2>/dev/null
  rm -f "/etc/systemd/system/$unit.service"
  rm -rf "/etc/systemd/system/$unit.service.d"
  [ -f "$BACKUP/$unit.service" ] && cp -p "$BACKUP/$unit.service" "/etc/systemd/system/$unit.service"
done
systemctl daemon-reload

rm -f "$SITE" /var/log/nginx/killer-whiles.access.log /var/log/nginx/killer-whiles.error.log
[ -f "$BACKUP/killer-whiles.conf" ] && cp -p "$BACKUP/killer-whiles.conf" "$SITE"
case "$(cat "$STATE/nginx-was-active" 2>/dev/null)" in
  no) systemctl stop nginx 2>/dev/null ;;
  # It was running before the lab (or nobody knows): keep it running, without the lab's site.
  *) systemctl try-reload-or-restart nginx 2>/dev/null || status=1 ;;
esac

# Nothing of the lab may keep running.
for unit in killer-while fizzbuzz-a fizzbuzz-b fizzbuzz-report; do
  if systemctl is-active -q "$unit"; then
    echo "$unit is still active after cleanup."
    status=1
  fi
done
if pgrep -f 'killer-whiles/fizzbuzz' >/dev/null; then
  echo "A FizzBuzz process is still running: $(pgrep -af 'killer-whiles/fizzbuzz' | head -n 3 | tr '\n' ' ')"
  status=1
fi

if [ "$status" -eq 0 ]; then
  # The lab's own folder (programs, state, backups) goes last; cleanup was read from it already.
  case "$LAB" in
    /opt/chaos-lab/labs/killer-whiles) rm -rf "$LAB" ;;
  esac
  echo "Cleaned up: no killer loop, no FizzBuzz units or overrides, nginx as before the lab."
fi
exit "$status"
