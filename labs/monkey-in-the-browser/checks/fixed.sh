#!/bin/sh
# Step "fix-the-handler": with fail.js still failing requests, the repaired dbweb tells the user
# (an error banner), throws nothing and leaves no panel stuck loading.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/monkey-in-the-browser}/page-lib.sh"
page_ready || exit 1

case ", $(injected)," in
  *fail.js,*) ;;
  *)
    echo "fail.js is not injected into the page: press Inject on this step's fault so requests keep failing, then pick a few tables."
    exit 1 ;;
esac
failed=$(requests xhr failed)
if [ "$failed" -lt 1 ]; then
  echo "No XMLHttpRequest has failed since the last reload: pick a few tables (every third request fails)."
  exit 1
fi
uncaught=$(q .summary.current.uncaughtErrors)
if [ "$uncaught" -gt 0 ]; then
  echo "Still broken: $failed XHRs failed and the page threw \"$(q .summary.current.lastError)\" ($uncaught uncaught). Change xhr.onerror in /opt/chaos-lab/labs/monkey-in-the-browser/static/app.js, then press Reload in the pane."
  exit 1
fi
stuck=$(q '.summary.current.stuck | join(", ")')
if [ -n "$stuck" ]; then
  echo "No uncaught error any more, but $stuck stayed stuck loading after a failed request: end the loading state (setBusy) in the error handler too."
  exit 1
fi
if [ "$(q .summary.current.uiErrors)" -lt 1 ]; then
  echo "$failed XHRs failed and nothing was shown to the user: call showError(...) with a message in xhr.onerror."
  exit 1
fi
echo "Fixed: $failed XHRs failed and dbweb told the user (\"$(q .summary.current.lastUiError)\"), with no uncaught error and no panel stuck loading."
