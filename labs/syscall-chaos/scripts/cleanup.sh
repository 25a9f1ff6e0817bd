#!/bin/sh
# Chaos Lab, "Syscall chaos" lab: cleanup (run as root). Detaches the strace fault, removes the
# container and the lab's image, stops the Docker units the lab started, stops and removes
# systemx.service (restoring what setup backed up), stops every lab program started by hand,
# and removes the lab's files and answers. Safe to run twice, or without a setup before it.

LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/syscall-chaos}
BIN=$LAB/bin
STATE=$LAB/state
BACKUP=$STATE/backup
UNIT=/etc/systemd/system/systemx.service
IMAGE=chaos-lab/systemx
CONTAINER=systemx-seccomp
status=0

systemctl stop systemx-strace.service 2>/dev/null
systemctl reset-failed systemx-strace.service 2>/dev/null

# --- Docker: the container and the image go while dockerd still runs; then dockerd, containerd
# and the socket are stopped again unless they ran before the lab.
if command -v docker >/dev/null 2>&1 && systemctl is-active -q docker; then
  docker rm -f "$CONTAINER" >/dev/null 2>&1
  for image in $(docker images -q --filter label=org.chaos-lab.lab=syscall-chaos 2>/dev/null | sort -u); do
    docker rmi -f "$image" >/dev/null 2>&1
  done
  if docker container inspect "$CONTAINER" >/dev/null 2>&1; then
    echo "The container $CONTAINER is still there after cleanup."
    status=1
  fi
  if [ -n "$(docker images -q --filter label=org.chaos-lab.lab=syscall-chaos 2>/dev/null)" ]; then
    echo "The image $IMAGE is still there after cleanup: $(docker images --filter label=org.chaos-lab.lab=syscall-chaos | tail -n +2 | tr '\n' ' ')"
    status=1
  fi
fi
if [ -f "$STATE/docker-was-active" ]; then
  for unit in docker.socket docker.service containerd.service; do
    grep -qx "$unit" "$STATE/docker-was-active" || systemctl stop "$unit" 2>/dev/null
  done
fi

# --- System X
systemctl stop systemx.service 2>/dev/null
systemctl reset-failed systemx.service 2>/dev/null
if [ -f "$UNIT" ] && grep -qF 'Chaos Lab, "Syscall chaos" lab' "$UNIT"; then
  rm -f "$UNIT"
fi
[ -f "$BACKUP/systemx.service" ] && [ ! -e "$UNIT" ] && cp -p "$BACKUP/systemx.service" "$UNIT"
systemctl daemon-reload

# --- lab programs started by hand (seccomp-run and the servers under it), found by their binary
lab_processes() {
  for exe in /proc/[0-9]*/exe; do
    target=$(readlink "$exe" 2>/dev/null) || continue
    case "$target" in
      "$BIN"/*) pid=${exe#/proc/}; echo "${pid%/exe}" ;;
    esac
  done
}
pids=$(lab_processes)
if [ -n "$pids" ]; then
  # shellcheck disable=SC2086  # a list of PIDs, split on purpose
  kill $pids 2>/dev/null
  i=0
  while [ -n "$(lab_processes)" ] && [ "$i" -lt 20 ]; do
    sleep 0.25
    i=$((i + 1))
  done
  pids=$(lab_processes)
  # shellcheck disable=SC2086
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
fi

rm -f /tmp/writes-per-request.txt /tmp/close-exit-status.txt

# --- nothing of the lab may keep running
for unit in systemx systemx-strace; do
  if systemctl is-active -q "$unit"; then
    echo "$unit is still active after cleanup."
    status=1
  fi
done
sleep 0.2
if [ -n "$(lab_processes)" ]; then
  echo "Lab programs are still running: $(for p in $(lab_processes); do tr '\0' ' ' < "/proc/$p/cmdline"; echo; done | head -n 3 | tr '\n' ';')"
  status=1
fi

if [ "$status" -eq 0 ]; then
  # The lab's own folder (sources, programs, state, backups) goes last.
  case "$LAB" in
    /opt/chaos-lab/labs/syscall-chaos) rm -rf "$LAB" ;;
  esac
  echo "Cleaned up: no strace, no System X unit or programs, no container or image, Docker as before the lab."
fi
exit "$status"
