#!/bin/sh
# Chaos Lab, "Slow database link" lab: cleanup (run as root). Removes the delay if it is still
# there, stops and removes the shop app, drops its database and account, stops MariaDB unless it
# was running before the lab, and removes the lab's files. Safe to run twice.

LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/slow-database-link}
STATE=$LAB/state
status=0

# Only this lab's tree (root prio 1: with the netem band); another lab's qdisc is not ours.
if tc qdisc show dev lo | grep -q '^qdisc prio 1: root'; then tc qdisc del dev lo root; fi

systemctl stop chaos-shop 2>/dev/null
systemctl reset-failed chaos-shop 2>/dev/null
rm -f /etc/systemd/system/chaos-shop.service
systemctl daemon-reload

# Dropping the database needs MariaDB up, even if the learner stopped it. Afterwards MariaDB
# runs only if it ran before the lab (or, without a record of that, before this cleanup).
if command -v mariadb >/dev/null 2>&1; then
  was=$(cat "$STATE/mariadb-was-active" 2>/dev/null)
  [ -n "$was" ] || { systemctl is-active -q mariadb && was=yes || was=no; }
  systemctl start mariadb 2>/dev/null
  i=0
  until mariadb -e 'SELECT 1' >/dev/null 2>&1 || [ "$i" -ge 120 ]; do
    i=$((i + 1))
    sleep 0.5
  done
  if ! mariadb -e "DROP DATABASE IF EXISTS chaos_shop; DROP USER IF EXISTS 'shop'@'127.0.0.1';"; then
    echo "Could not drop the chaos_shop database and the shop account."
    status=1
  fi
  [ "$was" = yes ] || systemctl stop mariadb || status=1
fi

rm -f /tmp/round-trips.txt
if tc qdisc show dev lo | grep -q '^qdisc prio 1: root'; then
  echo "The lab's delay is still on lo: $(tc qdisc show dev lo | tr '\n' ' ')"
  status=1
fi
if systemctl is-active -q chaos-shop; then
  echo "chaos-shop is still active after cleanup."
  status=1
fi

if [ "$status" -eq 0 ]; then
  case "$LAB" in
    /opt/chaos-lab/labs/slow-database-link) rm -rf "$LAB" ;;
  esac
  echo "Cleaned up: no delay on lo, no shop app, no chaos_shop database, MariaDB as before the lab."
fi
exit "$status"
