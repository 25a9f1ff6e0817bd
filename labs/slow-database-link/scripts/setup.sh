#!/bin/sh
# Chaos Lab, "Slow database link" lab: setup (run as root from the lab's folder; idempotent).
# Starts MariaDB, loads the shop's database (account 'shop'@'127.0.0.1', TCP only), installs and
# starts the shop app (PHP's built-in server on 127.0.0.1:8090), and waits until a page loads.
set -eu

LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/slow-database-link}
STATE=$LAB/state
UNIT=/etc/systemd/system/chaos-shop.service

for tool in php mariadb ab curl tc systemctl; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is missing in the VM: this lab needs the packages of vagrant/provision/packages.txt (provision the VM again)."
    exit 1
  }
done
if ! php -r 'exit(extension_loaded("mysqli") ? 0 : 1);'; then
  echo "PHP has no mysqli extension (package php-mysql): provision the VM again."
  exit 1
fi
mkdir -p "$STATE"
# The shop's request log (its pages run as www-data), read by the live charts.
install -d -o www-data -g www-data "$LAB/log"

# A delay left over from an earlier run would spoil the baseline (only this lab's own tree).
if tc qdisc show dev lo | grep -q '^qdisc prio 1: root'; then tc qdisc del dev lo root; fi
rm -f "$STATE/baseline" /tmp/round-trips.txt

# Was MariaDB running before the lab? Recorded once, so a second setup does not forget it.
if [ ! -f "$STATE/mariadb-was-active" ]; then
  if systemctl is-active -q mariadb; then echo yes; else echo no; fi > "$STATE/mariadb-was-active"
fi
systemctl start mariadb
i=0
until mariadb -e 'SELECT 1' >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 120 ]; then
    echo "MariaDB did not answer within 60 s: look at sudo journalctl -u mariadb."
    exit 1
  fi
  sleep 0.5
done
if ! ss -ltnH 'sport = :3306' | grep -q .; then
  echo "MariaDB does not listen on TCP 127.0.0.1:3306 (skip-networking or another port?): the lab needs TCP."
  exit 1
fi
mariadb < "$LAB/shop.sql"

# The app.
install -m 0644 "$LAB/chaos-shop.service" "$UNIT"
systemctl daemon-reload
systemctl restart chaos-shop

i=0
until [ "$(curl -s -m 10 -o /dev/null -w '%{http_code}' http://127.0.0.1:8090/ 2>/dev/null)" = 200 ]; do
  i=$((i + 1))
  if [ "$i" -ge 120 ]; then
    echo "The shop did not answer on http://127.0.0.1:8090/ within 60 s: look at sudo journalctl -u chaos-shop."
    exit 1
  fi
  sleep 0.5
done
link=$(curl -s -m 10 -o /dev/null -D - http://127.0.0.1:8090/ | tr -d '\r' | sed -n 's/^X-DB-Link: //p')
case "$link" in
  *TCP*) ;;
  *) echo "The shop reaches MariaDB via \"$link\", not TCP: the delay on port 3306 would miss it."; exit 1 ;;
esac
echo "Ready: the shop on http://127.0.0.1:8090/ talks to MariaDB via $link."
