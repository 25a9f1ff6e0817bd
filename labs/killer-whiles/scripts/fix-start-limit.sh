#!/bin/sh
# Solve for step "raise-the-limit": the drop-in a learner would write, then bring fizzbuzz-a back.
set -eu
mkdir -p /etc/systemd/system/fizzbuzz-a.service.d
cat > /etc/systemd/system/fizzbuzz-a.service.d/override.conf <<'CONF'
[Unit]
# No start limit: restart fizzbuzz-a however often it dies.
StartLimitIntervalSec=0
CONF
systemctl daemon-reload
systemctl reset-failed fizzbuzz-a || true
systemctl start fizzbuzz-a
echo "Override written and loaded; fizzbuzz-a is $(systemctl is-active fizzbuzz-a)."
