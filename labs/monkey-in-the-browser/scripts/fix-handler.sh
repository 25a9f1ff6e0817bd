#!/bin/sh
# Solve for step "fix-the-handler": repairs dbweb's error path in static/app.js (what a learner
# would edit): a failed request ends the panel's loading state and tells the user.
set -eu
LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/monkey-in-the-browser}
python3 - "$LAB/static/app.js" <<'PY'
import sys
path = sys.argv[1]
source = open(path, encoding="utf-8").read()
flawed = """  xhr.onerror = function () {
    var reply = JSON.parse(xhr.responseText);
    showError(reply.error);
  };"""
fixed = """  xhr.onerror = function () {
    setBusy(panel, false);
    $(panel).classList.add('failed');
    showError('Could not load ' + path + ': the request failed before the server answered. Pick the table again to retry.');
  };"""
if fixed in source:
    print("app.js is fixed already.")
elif flawed in source:
    open(path, "w", encoding="utf-8").write(source.replace(flawed, fixed))
    print("Fixed xhr.onerror in " + path + "; press Reload in the Browser pane.")
else:
    sys.exit("app.js has changed: its xhr.onerror handler is not the original one. Run the lab setup to restore it.")
PY
