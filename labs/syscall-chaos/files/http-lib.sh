# shellcheck shell=sh disable=SC2034  # it sets variables for the scripts that source it
# Sourced by the "Syscall chaos" lab's checks and solves (POSIX sh, run as root).
#
#   ab_run URL REQUESTS CONCURRENCY   ApacheBench: sets AB_COMPLETE, AB_FAILED, AB_NON2XX,
#                                     AB_RPS (requests per second, whole number), AB_TOTAL and
#                                     AB_HTML (bytes transferred in all, and of bodies), AB_SERVER
#                                     (the "Server Software" ab read); AB_ERROR when ab could not
#                                     finish.
#   probe URL                         one GET with curl, as a strict client: sets PROBE_RC (curl's
#                                     exit status), PROBE_WHY (its error message), PROBE_CODE,
#                                     PROBE_BYTES (body bytes received), PROBE_LENGTH (the
#                                     Content-Length header), PROBE_SERVER (the Server header),
#                                     and PROBE_OK=1 only for a 200 with the whole body.
#   systemx_pid                       the main PID of systemx.service (empty if it is not running)
#   tracer_of PID                     the PID that ptrace-attached to PID (0 when none)
#   close_experiment PORT             runs the static System X on PORT under
#                                     `seccomp-run close` (close(2) fails with EPERM), sends it
#                                     one request and waits for it to end: sets CE_CODE (the
#                                     HTTP status that request got), CE_STATUS (the server's exit
#                                     status, or "running" if it had to be stopped) and CE_SAID
#                                     (the server's last words on stderr).

LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/syscall-chaos}
BIN=$LAB/bin
STATE=$LAB/state
URL=http://127.0.0.1:8070/

ab_run() {
  AB_COMPLETE=0 AB_FAILED=0 AB_NON2XX=0 AB_RPS=0 AB_TOTAL=0 AB_HTML=0 AB_SERVER='' AB_ERROR=''
  _ab_out=$(ab -s 30 -n "$2" -c "$3" "$1" 2>&1)
  _ab_rc=$?
  if [ "$_ab_rc" -ne 0 ] || ! printf '%s\n' "$_ab_out" | grep -q '^Complete requests:'; then
    AB_ERROR=$(printf '%s\n' "$_ab_out" | grep -v '^$' | grep -v '^Benchmarking\|^Completed\|^Finished' | tail -n 1)
    [ -n "$AB_ERROR" ] || AB_ERROR="ab exited with status $_ab_rc"
    return 1
  fi
  # "Non-2xx responses" only appears when there were some; no line means none.
  eval "$(printf '%s\n' "$_ab_out" | awk '
    /^Complete requests:/    { print "AB_COMPLETE=" $3 }
    /^Failed requests:/      { print "AB_FAILED=" $3 }
    /^Non-2xx responses:/    { print "AB_NON2XX=" $3 }
    /^Requests per second:/  { print "AB_RPS=" int($4) }
    /^Total transferred:/    { print "AB_TOTAL=" $3 }
    /^HTML transferred:/     { print "AB_HTML=" $3 }
  ')"
  AB_SERVER=$(printf '%s\n' "$_ab_out" | sed -n 's/^Server Software: *//p')
  return 0
}

probe() {
  _p_dir=$(mktemp -d)
  PROBE_CODE=$(curl -sS -m 20 -D "$_p_dir/head" -o "$_p_dir/body" -w '%{http_code}' "$1" 2>"$_p_dir/err")
  PROBE_RC=$?
  PROBE_WHY=$(sed 's/^curl: //' "$_p_dir/err" | tail -n 1)
  PROBE_BYTES=$(cat "$_p_dir/body" 2>/dev/null | wc -c)
  PROBE_BYTES=$((PROBE_BYTES + 0))
  PROBE_LENGTH=$(tr -d '\r' < "$_p_dir/head" 2>/dev/null | sed -n 's/^[Cc]ontent-[Ll]ength: *//p' | tail -n 1)
  PROBE_SERVER=$(tr -d '\r' < "$_p_dir/head" 2>/dev/null | sed -n 's/^[Ss]erver: *//p' | tail -n 1)
  rm -rf "$_p_dir"
  PROBE_OK=0
  if [ "$PROBE_RC" -eq 0 ] && [ "$PROBE_CODE" = 200 ] && [ "$PROBE_BYTES" = "$PROBE_LENGTH" ]; then
    PROBE_OK=1
  fi
}

systemx_pid() {
  _pid=$(systemctl show -p MainPID --value systemx 2>/dev/null)
  [ -n "$_pid" ] && [ "$_pid" != 0 ] && echo "$_pid"
}

tracer_of() {
  awk '/^TracerPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

close_experiment() {
  _ce_log=$(mktemp)
  "$BIN/seccomp-run" close "$BIN/systemx-static" -a 127.0.0.1 -p "$1" > "$_ce_log" 2>&1 &
  _ce_pid=$!
  # seccomp-run says when the server has ended; the server says when it listens.
  _ce_done() { grep -q '^seccomp-run: .*\(exited with status\|was killed\)' "$_ce_log"; }
  _ce_i=0
  until grep -q 'listening on' "$_ce_log" || _ce_done || [ "$_ce_i" -ge 240 ]; do
    sleep 0.25
    _ce_i=$((_ce_i + 1))
  done
  CE_CODE=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/" 2>/dev/null)
  _ce_i=0
  until _ce_done || [ "$_ce_i" -ge 120 ]; do
    sleep 0.25
    _ce_i=$((_ce_i + 1))
  done
  if _ce_done; then
    wait "$_ce_pid"
    CE_STATUS=$?
  else
    kill "$_ce_pid" 2>/dev/null
    wait "$_ce_pid"
    CE_STATUS=running
  fi
  CE_SAID=$(grep -v '^seccomp-run:' "$_ce_log" | grep -v 'listening on' | tail -n 1)
  rm -f "$_ce_log"
}
