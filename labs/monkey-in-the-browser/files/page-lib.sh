# Chaos Lab, "Monkey in the browser": what the checks know about the page in the Browser pane.
# The app writes what the page reported (its requests, errors, error banners, panels stuck
# loading) to this file whenever it changes; see docs/lab-format.md, "browser".
STATE=${CHAOS_LAB_PAGE_STATE:-/run/chaos-lab/browser/monkey-in-the-browser.json}

# q FILTER: one value from the page state (jq -r).
q() { jq -r "$@" "$STATE"; }

# page_ready: a page has loaded in the Browser pane; otherwise says what to do and fails.
page_ready() {
  if [ ! -s "$STATE" ]; then
    echo "Chaos Lab has not seen dbweb's page yet: open this lab's Browser pane (next to the terminals)."
    return 1
  fi
  if [ "$(q '.summary.current == null')" = true ]; then
    proxy=$(q '.summary.lastProxyError // empty')
    if [ -n "$proxy" ]; then echo "The Browser pane could not load dbweb: $proxy"; else echo "The Browser pane is open but no page has loaded in it yet: press Reload in the pane."; fi
    return 1
  fi
}

# injected: the names of the scripts injected into the current page, comma-separated ("" if none).
injected() { q '.summary.current.scripts | join(", ")'; }

# requests API OUTCOME: how many requests of the current page used API (xhr|fetch|any) and ended in OUTCOME (ok|failed|any).
requests() {
  q --arg api "$1" --arg outcome "$2" '.summary.current.page as $p
    | [.recent[] | select(.kind == "request" and .page == $p and ($api == "any" or .api == $api) and ($outcome == "any" or .outcome == $outcome))] | length'
}
