#!/bin/sh
# Chaos Lab, "Syscall chaos" lab: inject the fault "every other write(2) of System X fails with
# EIO". Attaches strace to System X's main process, as a transient unit (systemx-strace.service)
# that runs until the fault is reverted (systemctl stop systemx-strace) or System X exits:
#
#   strace -p PID -o state/write-eio.strace -e trace=write -e inject=write:error=EIO:when=1+2
#
# when=1+2: fail the 1st write after attaching, then every 2nd one (3rd, 5th, ...). Injecting it
# again while it runs changes nothing. Run as root.
LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/syscall-chaos}
. "$LAB/http-lib.sh"
LOG=$STATE/write-eio.strace

if systemctl is-active -q systemx-strace; then
  echo "The fault is already in place: strace is attached to System X (systemctl status systemx-strace)."
  exit 0
fi
if ! pid=$(systemx_pid); then
  echo "System X is not running (systemctl status systemx): start the lab again, or: sudo systemctl start systemx"
  exit 1
fi
tracer=$(tracer_of "$pid")
if [ "${tracer:-0}" != 0 ]; then
  echo "PID $tracer ($(tr '\0' ' ' < "/proc/$tracer/cmdline" 2>/dev/null)) already traces System X, and a process can have only one tracer: stop it (Ctrl-C in its terminal), then inject again."
  exit 1
fi

mkdir -p "$STATE"
rm -f "$LOG"
systemctl reset-failed systemx-strace 2>/dev/null
systemd-run --unit=systemx-strace --collect --quiet \
  --description="Chaos Lab: every other write(2) of System X fails with EIO" \
  strace -p "$pid" -o "$LOG" -e trace=write -e inject=write:error=EIO:when=1+2 || exit 1

# Return only once strace holds on to System X, so the first check already sees the fault.
i=0
while [ "$(tracer_of "$pid")" = 0 ]; do
  i=$((i + 1))
  if [ "$i" -ge 120 ] || ! systemctl is-active -q systemx-strace; then
    echo "strace did not attach to System X (PID $pid) within 60 s: $(journalctl -u systemx-strace -n 3 --no-pager -o cat 2>/dev/null | tr '\n' ' ')"
    systemctl stop systemx-strace 2>/dev/null
    exit 1
  fi
  sleep 0.5
done
echo "strace (PID $(tracer_of "$pid")) is attached to System X (PID $pid): every other write fails with EIO. Its log: $LOG"
