#!/bin/sh
# Step "explore": dbweb loaded in the Browser pane through Chaos Lab's proxy, the reporter saw
# its requests of both kinds (XMLHttpRequest for a table, fetch for the list and the status)
# and none of them failed.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/monkey-in-the-browser}/page-lib.sh"
page_ready || exit 1

xhr=$(q .summary.current.xhr)
fetches=$(q .summary.current.fetch)
failed=$(q .summary.current.failed)
if [ "$failed" -gt 0 ]; then
  echo "$failed of the page's requests failed; in the steady state none should. Injected into the page: $(injected || true). Revert the lab's faults and press Reload in the pane."
  exit 1
fi
if [ "$fetches" -lt 1 ]; then
  echo "No fetch() request seen in this page load yet: the table list and the status badge use fetch. Press Reload in the pane."
  exit 1
fi
if [ "$xhr" -lt 3 ]; then
  echo "Seen $xhr XMLHttpRequests in this page load: pick a table in dbweb's sidebar (each table loads with three)."
  exit 1
fi
echo "dbweb loaded through Chaos Lab's proxy: $(q .summary.current.requests) requests ($xhr XMLHttpRequest, $fetches fetch), none failed; median $(q .summary.current.latencyMs.p50) ms, slowest $(q .summary.current.latencyMs.max) ms."
