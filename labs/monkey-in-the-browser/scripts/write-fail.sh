#!/bin/sh
# Solve for step "fail-every-third": the failing wrapper a learner would write, in place of theirs.
set -eu
LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/monkey-in-the-browser}
cat "$LAB/solutions/fail.js" > /opt/monkey/fail.js
echo "Wrote /opt/monkey/fail.js; inject this step's fault and pick a few tables."
