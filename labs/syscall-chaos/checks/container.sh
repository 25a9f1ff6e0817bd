#!/bin/sh
# Step "docker-seccomp": System X runs in the container systemx-seccomp with the lab's seccomp
# profile (Seccomp: 2 in its /proc status), getpid() failed in it (pid -1 in its Server header),
# and it still serves every request. Compares its requests per second with the earlier steps.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/syscall-chaos}/http-lib.sh"
CONTAINER=systemx-seccomp
CURL_URL=http://127.0.0.1:8072/
N=100

if ! command -v docker >/dev/null 2>&1; then
  echo "docker is not installed in the VM (package docker.io): this step needs it."
  exit 1
fi
if [ -s "$STATE/docker-problem" ] && ! docker image inspect chaos-lab/systemx >/dev/null 2>&1; then
  echo "The lab setup could not prepare Docker: $(cat "$STATE/docker-problem")"
  exit 1
fi
if ! systemctl is-active -q docker; then
  echo "dockerd is not running: sudo systemctl start docker, then press Inject."
  exit 1
fi
running=$(docker inspect -f '{{.State.Running}}' "$CONTAINER" 2>/dev/null)
if [ "$running" != true ]; then
  if [ -n "$running" ]; then
    echo "The container $CONTAINER has stopped (exit status $(docker inspect -f '{{.State.ExitCode}}' "$CONTAINER")): $(docker logs --tail 2 "$CONTAINER" 2>&1 | tr '\n' ' ') Revert, then Inject again."
  else
    echo "No container $CONTAINER yet: press Inject to start System X in it."
  fi
  exit 1
fi
case "$(docker inspect -f '{{json .HostConfig.SecurityOpt}}' "$CONTAINER")" in
  *seccomp=*) ;;
  *)
    echo "The container $CONTAINER runs without the lab's seccomp profile (docker inspect shows no seccomp= security option): Revert, then Inject."
    exit 1
    ;;
esac
cpid=$(docker inspect -f '{{.State.Pid}}' "$CONTAINER")
mode=$(awk '/^Seccomp:/ { print $2 }' "/proc/$cpid/status" 2>/dev/null)
if [ "$mode" != 2 ]; then
  echo "System X in the container (PID $cpid) has no seccomp filter (Seccomp: ${mode:-?}, expected 2)."
  exit 1
fi
probe "$CURL_URL"
if [ "$PROBE_OK" != 1 ]; then
  echo "Expected System X in the container to answer on $CURL_URL; curl got: exit $PROBE_RC ${PROBE_WHY:+($PROBE_WHY)}, status $PROBE_CODE."
  exit 1
fi
case "$PROBE_SERVER" in
  *"pid -1"*) ;;
  *)
    echo "System X in the container says \"Server: $PROBE_SERVER\": getpid() worked, so the profile allows it. Expected the lab's profile, which leaves getpid out."
    exit 1
    ;;
esac
if ! ab_run "$CURL_URL" "$N" 2 || [ "$AB_FAILED" -ne 0 ] || [ "$AB_COMPLETE" -ne "$N" ]; then
  echo "Expected $N requests, 0 failed; ab saw ${AB_ERROR:-$AB_COMPLETE complete, $AB_FAILED failed}."
  exit 1
fi
compare=''
base=$(cat "$STATE/baseline" 2>/dev/null)
traced=$(cat "$STATE/under-strace" 2>/dev/null)
[ -n "$base" ] && compare="System X without a container: $base/s"
[ -n "$traced" ] && compare="${compare:+$compare, }under strace: $traced/s"
[ -n "$compare" ] && compare=" ($compare)"
echo "getpid() failed in the container: System X calls itself \"$PROBE_SERVER\", and served $N of $N requests, 0 failed, $AB_RPS per second$compare. A call that cannot fail failed, and nothing noticed."
exit 0
