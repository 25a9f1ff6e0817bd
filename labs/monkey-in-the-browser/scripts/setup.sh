#!/bin/sh
# Chaos Lab, "Monkey in the browser" lab: setup (run as root from the lab's folder; idempotent).
# Builds the booktown SQLite database, starts dbweb on 127.0.0.1:8081 as a systemd unit, makes
# the folder the Browser pane injects scripts from (empty: the page starts as it is), and gives
# the learner /opt/monkey with two script templates to fill in (kept if they exist already).
set -eu

LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/monkey-in-the-browser}
INJECT=/run/chaos-lab/monkey-in-the-browser
MONKEY=/opt/monkey
UNIT=/etc/systemd/system/dbweb.service
# The learner's account (the VM's first user, "vagrant"), who edits /opt/monkey without sudo.
LEARNER=${CHAOS_LAB_LEARNER:-$(id -nu 1000 2>/dev/null || echo root)}

for tool in python3 jq curl systemctl; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is missing in the VM: this lab needs the packages of vagrant/provision/packages.txt (provision the VM again)."
    exit 1
  }
done

python3 "$LAB/dbweb.py" --init "$LAB/booktown.sql" --db "$LAB/booktown.db"

# Nothing injected yet; the lab's faults link the learner's scripts in here.
rm -rf "$INJECT"
mkdir -p "$INJECT"

install -d -m 0755 -o "$LEARNER" "$MONKEY"
template() {
  [ -f "$MONKEY/$1" ] && return 0
  printf '%s\n' "$2" > "$MONKEY/$1"
  chown "$LEARNER" "$MONKEY/$1"
}
template slow.js "// slow.js: runs in dbweb's page before dbweb's own code, once this step's fault links it in.
// Make every XMLHttpRequest and every fetch() wait 1000 ms before it really goes out.
// Start with: var realSend = XMLHttpRequest.prototype.send;"
template fail.js "// fail.js: runs in dbweb's page before dbweb's own code, once this step's fault links it in.
// Make every third request fail before it reaches the network: an 'error' event for an
// XMLHttpRequest, a rejected promise for fetch()."

if [ -f "$UNIT" ] && ! grep -q 'Chaos Lab, "Monkey in the browser"' "$UNIT"; then
  echo "$UNIT exists and was not written by this lab: move it away, then start the lab again."
  exit 1
fi
install -m 0644 "$LAB/dbweb.service" "$UNIT"
systemctl daemon-reload
systemctl reset-failed dbweb 2>/dev/null || true
if ! systemctl restart dbweb; then
  echo "dbweb did not start. Is port 8081 taken? $(ss -ltnpH 'sport = :8081' | awk '{print $4, $6}' | tr '\n' ' ')"
  exit 1
fi

i=0
until curl -fsS -m 5 -o /dev/null http://127.0.0.1:8081/api/status 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -ge 120 ]; then
    echo "dbweb did not answer on 127.0.0.1:8081 within 60 s. Look at: journalctl -u dbweb"
    exit 1
  fi
  sleep 0.5
done
echo "Ready: dbweb on 127.0.0.1:8081 ($(curl -fsS http://127.0.0.1:8081/api/tables | jq length) tables); your scripts go in $MONKEY."
