#!/bin/sh
# Chaos Lab, "Syscall chaos" lab: setup (run as root from the lab's folder; idempotent).
# Builds System X (dynamic and static) and seccomp-run with gcc into bin/, installs and starts
# systemx.service on 127.0.0.1:8070, and, when Docker is installed, starts it and builds the
# image chaos-lab/systemx (FROM scratch: the static binary and nothing else, no pull).
# Whatever an earlier run of the lab left behind (the strace fault, servers started by hand, the
# container) is stopped first.
set -eu

LAB=${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/syscall-chaos}
BIN=$LAB/bin
STATE=$LAB/state
BACKUP=$STATE/backup
UNIT=/etc/systemd/system/systemx.service
MARK='Chaos Lab, "Syscall chaos" lab'
IMAGE=chaos-lab/systemx
CONTAINER=systemx-seccomp
DOCKER_UNITS='docker.socket docker.service containerd.service'

for tool in gcc strace ab curl systemctl systemd-run; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is missing in the VM: this lab needs the packages of vagrant/provision/packages.txt (provision the VM again)."
    exit 1
  }
done
if [ ! -f /usr/include/seccomp.h ]; then
  echo "seccomp.h is missing (package libseccomp-dev): provision the VM again."
  exit 1
fi
mkdir -p "$BIN" "$STATE" "$BACKUP"

# --- leftovers of an earlier run
systemctl stop systemx-strace.service 2>/dev/null || true
systemctl reset-failed systemx-strace.service 2>/dev/null || true
if command -v docker >/dev/null 2>&1 && systemctl is-active -q docker; then
  docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
fi
systemctl stop systemx.service 2>/dev/null || true
# Lab programs started by hand (seccomp-run and the servers it runs), found by their binary.
for exe in /proc/[0-9]*/exe; do
  target=$(readlink "$exe" 2>/dev/null) || continue
  case "$target" in
    "$BIN"/*) pid=${exe#/proc/}; kill "${pid%/exe}" 2>/dev/null || true ;;
  esac
done
rm -f "$STATE/baseline" "$STATE/under-strace" "$STATE/write-eio.strace" "$STATE/docker-problem"
rm -f /tmp/writes-per-request.txt /tmp/close-exit-status.txt

# --- build (into temporary names first: a running binary cannot be overwritten in place)
build() {
  out=$1
  shift
  if ! gcc -O2 -Wall -Wextra -o "$BIN/.$out.new" "$@" 2> "$STATE/gcc.log"; then
    echo "gcc could not build $out: $(tail -n 3 "$STATE/gcc.log" | tr '\n' ' ')"
    exit 1
  fi
  mv -f "$BIN/.$out.new" "$BIN/$out"
}
build systemx "$LAB/systemx.c"
build systemx-static -static "$LAB/systemx.c"
build seccomp-run "$LAB/seccomp-run.c" -lseccomp
chmod 0755 "$BIN" "$BIN"/*

# --- the unit (a systemx.service that is not the lab's own is backed up once; cleanup restores it)
if [ -f "$UNIT" ] && ! grep -qF "$MARK" "$UNIT" && [ ! -e "$BACKUP/systemx.service" ]; then
  cp -p "$UNIT" "$BACKUP/systemx.service"
  echo "Backed up $UNIT (not written by this lab) to $BACKUP."
fi
install -m 0644 "$LAB/systemx.service" "$UNIT"
systemctl daemon-reload
systemctl reset-failed systemx.service 2>/dev/null || true
systemctl restart systemx.service

i=0
until [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:8070/ 2>/dev/null)" = 200 ]; do
  i=$((i + 1))
  if [ "$i" -ge 120 ]; then
    echo "System X did not answer on http://127.0.0.1:8070/ within 60 s. Is the port taken? $(ss -ltnpH 'sport = :8070' | awk '{print $4, $6}') Look at: journalctl -u systemx"
    exit 1
  fi
  sleep 0.5
done

# --- Docker: the image for the last step. A problem here does not stop the other steps; the
# last step's check reports it.
docker_problem() {
  echo "$1" > "$STATE/docker-problem"
  echo "Note: $1 The last step (the container) will not work; the others do."
}
if ! command -v docker >/dev/null 2>&1; then
  docker_problem "docker is not installed in the VM (package docker.io)."
else
  # Which Docker units ran before the lab? Recorded once, so a second setup does not forget it.
  if [ ! -f "$STATE/docker-was-active" ]; then
    for unit in $DOCKER_UNITS; do
      if systemctl is-active -q "$unit"; then echo "$unit"; fi
    done > "$STATE/docker-was-active"
  fi
  if ! systemctl start docker.service; then
    docker_problem "dockerd did not start (journalctl -u docker)."
  else
    i=0
    until docker info >/dev/null 2>&1 || [ "$i" -ge 240 ]; do
      i=$((i + 1))
      sleep 0.5
    done
    docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
    docker rmi "$IMAGE" >/dev/null 2>&1 || true
    context=$(mktemp -d)
    cp "$LAB/Dockerfile" "$context/Dockerfile"
    cp "$BIN/systemx-static" "$context/systemx-static"
    if docker build -q -t "$IMAGE" "$context" > "$STATE/docker-build.log" 2>&1; then
      echo "Built the image $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE") bytes)."
    else
      docker_problem "docker build failed: $(tail -n 2 "$STATE/docker-build.log" | tr '\n' ' ')"
    fi
    rm -rf "$context"
  fi
fi

echo "Ready: System X on http://127.0.0.1:8070/ (systemx.service, PID $(systemctl show -p MainPID --value systemx)); programs in $BIN."
