#!/bin/sh
# Chaos Lab, "Monkey in the browser" lab: cleanup (run as root). Stops and removes dbweb, the
# injected-scripts folder, the page state the app wrote, the learner's /opt/monkey and the lab's
# folder. Safe to run twice, or without a setup before it.

LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/monkey-in-the-browser}
UNIT=/etc/systemd/system/dbweb.service
status=0

systemctl stop dbweb 2>/dev/null
systemctl reset-failed dbweb 2>/dev/null
if [ -f "$UNIT" ] && grep -q 'Chaos Lab, "Monkey in the browser"' "$UNIT"; then rm -f "$UNIT"; fi
systemctl daemon-reload

rm -rf /run/chaos-lab/monkey-in-the-browser /opt/monkey
rm -f /run/chaos-lab/browser/monkey-in-the-browser.json /run/chaos-lab/browser/monkey-in-the-browser.json.tmp
# The folder is shared with other labs' pages: removed only when empty.
rmdir /run/chaos-lab/browser 2>/dev/null

if systemctl is-active -q dbweb; then
  echo "dbweb is still active after cleanup."
  status=1
fi
if pgrep -f 'monkey-in-the-browser/dbweb.py' >/dev/null; then
  echo "A dbweb process is still running: $(pgrep -af 'monkey-in-the-browser/dbweb.py' | head -n 3 | tr '\n' ' ')"
  status=1
fi

if [ "$status" -eq 0 ]; then
  case "$LAB" in
    /opt/chaos-lab/labs/monkey-in-the-browser) rm -rf "$LAB" ;;
  esac
  echo "Cleaned up: dbweb stopped and removed, nothing injected, no page state, no /opt/monkey."
fi
exit "$status"
