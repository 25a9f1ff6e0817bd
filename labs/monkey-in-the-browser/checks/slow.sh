#!/bin/sh
# Step "slow-requests": the learner's slow.js is injected, it wraps both XMLHttpRequest and
# fetch, every request of the page now takes about a second longer, and the three requests of
# one table still overlap (parallel: the table is ~1 s late, not ~3 s).
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/monkey-in-the-browser}/page-lib.sh"
page_ready || exit 1

if [ -z "$(injected)" ]; then
  echo "Nothing is injected into the page yet: write /opt/monkey/slow.js, press Inject on this step's fault (it links slow.js into every page load), then pick a table."
  exit 1
fi
if [ "$(q .summary.current.wrapped.xhr)" != true ]; then
  echo "$(injected) is injected, but XMLHttpRequest.prototype.send is still the browser's own: replace it in /opt/monkey/slow.js, then press Reload in the pane."
  exit 1
fi
if [ "$(q .summary.current.wrapped.fetch)" != true ]; then
  echo "XMLHttpRequest is wrapped, but window.fetch is still the browser's own: wrap it in /opt/monkey/slow.js too, then press Reload in the pane."
  exit 1
fi

# The last three XHRs of this page load (one table): shortest duration, and how far apart their
# starts and their ends are, in ms.
set -- $(q '.summary.current.page as $p
  | [.recent[] | select(.kind == "request" and .page == $p and .api == "xhr")] | .[-3:]
  | if length < 3 then "none" else
      [ (map(.ms) | min | floor),
        ((map(.at) | max) - (map(.at) | min) | floor),
        ((map(.at + .ms) | max) - (map(.at + .ms) | min) | floor),
        ((map(.at + .ms) | max) - (map(.at) | min) | floor) ] | map(tostring) | join(" ") end')
if [ "$1" = none ]; then
  echo "The wrapper is installed; now pick a table in dbweb (it loads each table with three XMLHttpRequests)."
  exit 1
fi
shortest=$1 start_spread=$2 end_spread=$3 whole=$4
slow_fetch=$(q '.summary.current.page as $p | [.recent[] | select(.kind == "request" and .page == $p and .api == "fetch") | .ms] | if length == 0 then -1 else (min | floor) end')
if [ "$shortest" -lt 900 ]; then
  echo "The last table's XHRs took as little as $shortest ms: expected every request to wait about 1000 ms first. Does slow.js call the real send() after a setTimeout of 1000 ms?"
  exit 1
fi
if [ "$slow_fetch" -ge 0 ] && [ "$slow_fetch" -lt 900 ]; then
  echo "The XHRs wait, but a fetch() took only $slow_fetch ms: make the fetch wrapper wait 1000 ms too."
  exit 1
fi
# Delayed one after another, they would end a second or more apart.
if [ "$end_spread" -ge 900 ]; then
  echo "The three XHRs of the last table ended $end_spread ms apart (the table took $whole ms): they waited for each other. Each should be delayed on its own."
  exit 1
fi
echo "Every request now waits: the last table's three XHRs took at least $shortest ms each, started within $start_spread ms and ended within $end_spread ms of each other, so the table took $whole ms, about 1 s more, not 3 s: the requests run in parallel."
