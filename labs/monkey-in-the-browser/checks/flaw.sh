#!/bin/sh
# Step "fail-every-third": the learner's fail.js is injected and makes XMLHttpRequests fail;
# dbweb's error path then throws (it parses an empty response) and leaves panels stuck loading
# instead of telling the user: the weakness the experiment is after.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/monkey-in-the-browser}/page-lib.sh"
page_ready || exit 1

case ", $(injected)," in
  *fail.js,*) ;;
  *)
    echo "fail.js is not injected into the page (injected: $(injected || true)): write /opt/monkey/fail.js, press Inject on this step's fault, then pick a few tables."
    exit 1 ;;
esac
if [ "$(q .summary.current.wrapped.xhr)" != true ]; then
  echo "fail.js is injected, but XMLHttpRequest.prototype.send is still the browser's own: replace it in /opt/monkey/fail.js and press Reload in the pane."
  exit 1
fi
failed=$(requests xhr failed)
total=$(requests xhr any)
if [ "$failed" -lt 1 ]; then
  echo "No XMLHttpRequest has failed in this page load ($total sent): pick a few tables; every third request should fail."
  exit 1
fi
uncaught=$(q .summary.current.uncaughtErrors)
stuck=$(q '.summary.current.stuck | join(", ")')
if [ "$uncaught" -lt 1 ] && [ -z "$stuck" ]; then
  echo "$failed of $total XHRs failed and dbweb coped: no uncaught error, nothing stuck loading (errors shown: $(q '.summary.current.lastUiError // "none"')). Was app.js changed? This step needs the original dbweb (run the lab setup again)."
  exit 1
fi
what="$failed of $total XHRs failed"
[ "$uncaught" -gt 0 ] && what="$what, the page threw $uncaught uncaught error(s) ($(q .summary.current.lastError))"
[ -n "$stuck" ] && what="$what, and left $stuck stuck loading, stale or blank"
shown=$(q '.summary.current.lastUiError // empty')
if [ -n "$shown" ]; then
  echo "Weakness found: $what. The only error banner the user saw: \"$shown\"."
else
  echo "Weakness found: $what, and the user was told nothing."
fi
