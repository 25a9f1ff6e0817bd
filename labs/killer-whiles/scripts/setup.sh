#!/bin/sh
# Chaos Lab, "Killer whiles" lab: setup (run as root from the lab's folder; idempotent).
# Installs two FizzBuzz API units (ports 8001, 8002), an innocent report job, and an nginx site
# on 127.0.0.1:8080 that balances between the two instances, then starts them all. Anything it
# would overwrite that it did not write itself is backed up first; cleanup puts it back.
set -eu

LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/killer-whiles}
STATE=$LAB/state
BACKUP=$STATE/backup
MARK='Chaos Lab, "Killer whiles" lab'
UNITS='fizzbuzz-a fizzbuzz-b fizzbuzz-report'
SITE=/etc/nginx/conf.d/killer-whiles.conf

for tool in python3 nginx ab curl systemctl; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is missing in the VM: this lab needs the packages of vagrant/provision/packages.txt (provision the VM again)."
    exit 1
  }
done
mkdir -p "$STATE" "$BACKUP"

# Was nginx running before the lab? Recorded once, so a second setup does not forget it.
if [ ! -f "$STATE/nginx-was-active" ]; then
  if systemctl is-active -q nginx; then echo yes; else echo no; fi > "$STATE/nginx-was-active"
fi

# install SRC DEST: copy, backing up a file at DEST that is not the lab's own (once).
install_file() {
  if [ -f "$2" ] && ! grep -qF "$MARK" "$2" && [ ! -e "$BACKUP/$(basename "$2")" ]; then
    cp -p "$2" "$BACKUP/$(basename "$2")"
    echo "Backed up $2 (not written by this lab) to $BACKUP."
  fi
  install -m 0644 "$1" "$2"
}

# A killer loop left over from an earlier run of the lab.
systemctl stop killer-while.service 2>/dev/null || true
rm -f /run/killer-while.pid

# The units, without any override from an earlier run (the fix is the learner's to make).
for unit in $UNITS; do
  install_file "$LAB/$unit.service" "/etc/systemd/system/$unit.service"
  rm -rf "/etc/systemd/system/$unit.service.d"
done
systemctl daemon-reload
systemctl reset-failed fizzbuzz-a fizzbuzz-b fizzbuzz-report 2>/dev/null || true
# restart, not start: a fresh process and a restart counter (NRestarts) back at 0. The report
# starts after instance B, which the blast-radius step relies on.
systemctl restart fizzbuzz-a fizzbuzz-b
systemctl restart fizzbuzz-report

# The load balancer.
install_file "$LAB/nginx-killer-whiles.conf" "$SITE"
: > /var/log/nginx/killer-whiles.access.log
: > /var/log/nginx/killer-whiles.error.log
if ! nginx -t -q; then
  echo "nginx rejects its configuration (see nginx -t above): the lab cannot add its site."
  exit 1
fi
if systemctl is-active -q nginx; then
  systemctl reload nginx
elif ! systemctl start nginx; then
  echo "nginx did not start. Is port 80 or 8080 taken by another program? $(ss -ltnpH '( sport = :80 or sport = :8080 )' | awk '{print $4, $6}' | tr '\n' ' ')"
  exit 1
fi

# Wait until both instances answer directly and through nginx (Python starts slowly when
# the VM is emulated).
wait_for() {
  i=0
  until curl -fsS -m 5 -o /dev/null "$1" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -ge 120 ]; then
      echo "$1 did not answer within 60 s. $2"
      exit 1
    fi
    sleep 0.5
  done
}
wait_for http://127.0.0.1:8001/ "Look at: journalctl -u fizzbuzz-a"
wait_for http://127.0.0.1:8002/ "Look at: journalctl -u fizzbuzz-b"
wait_for http://127.0.0.1:8080/fizzbuzz/15 "Look at: /var/log/nginx/killer-whiles.error.log"

echo "Ready: fizzbuzz-a on :8001, fizzbuzz-b on :8002, nginx on 127.0.0.1:8080, fizzbuzz-report reading from :8002."
