#!/bin/sh
# Solve for step "count-round-trips": the arithmetic a learner would do, written where the
# check reads it. Queries per page (from the app's header) plus 3 round trips to connect:
# TCP handshake, server greeting, login.
set -eu
queries=$(curl -s -m 60 -o /dev/null -D - http://127.0.0.1:8090/ | tr -d '\r' | sed -n 's/^X-DB-Queries: //p')
[ -n "$queries" ] || { echo "The shop did not answer on http://127.0.0.1:8090/."; exit 1; }
# rm first: with fs.protected_regular, even root may not reopen a learner's file in /tmp.
rm -f /tmp/round-trips.txt
echo $((queries + 3)) > /tmp/round-trips.txt
echo "Wrote $((queries + 3)) ($queries queries + 3 to connect) to /tmp/round-trips.txt."
