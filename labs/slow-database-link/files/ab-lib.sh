# Sourced by the lab's checks (POSIX sh). ab_run URL REQUESTS CONCURRENCY runs ApacheBench and
# sets AB_COMPLETE, AB_FAILED, AB_NON2XX, AB_MEAN (the mean of the requests' total times) and
# AB_P95 (both in ms), or AB_ERROR when ab could not finish. Chaos Lab, "Slow database link" lab.

ab_run() {
  AB_COMPLETE=0 AB_FAILED=0 AB_NON2XX=0 AB_MEAN=0 AB_P95=0 AB_ERROR=''
  _ab_out=$(ab -l -s 60 -n "$2" -c "$3" "$1" 2>&1)
  _ab_rc=$?
  if [ "$_ab_rc" -ne 0 ] || ! printf '%s\n' "$_ab_out" | grep -q '^Complete requests:'; then
    AB_ERROR=$(printf '%s\n' "$_ab_out" | grep -v '^$' | tail -n 1 | sed 's/^Benchmarking .*(be patient)\.*//')
    [ -n "$AB_ERROR" ] || AB_ERROR="ab exited with status $_ab_rc"
    return 1
  fi
  # "Non-2xx responses" only appears when there were some; no line means none.
  eval "$(printf '%s\n' "$_ab_out" | awk '
    /^Complete requests:/ { print "AB_COMPLETE=" $3 }
    /^Failed requests:/   { print "AB_FAILED=" $3 }
    /^Non-2xx responses:/ { print "AB_NON2XX=" $3 }
    /^Total:/             { print "AB_MEAN=" $3 + 0 }
    $1 == "95%" { print "AB_P95=" $2 + 0 }
  ')"
  return 0
}
