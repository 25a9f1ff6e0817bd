#!/bin/sh
# Solve for step "slow-requests": the wrapper a learner would write, in place of theirs.
set -eu
LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/monkey-in-the-browser}
cat "$LAB/solutions/slow.js" > /opt/monkey/slow.js
echo "Wrote /opt/monkey/slow.js; inject this step's fault and pick a table."
