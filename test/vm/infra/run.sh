#!/usr/bin/env bash
# The whole VM test job, from a fresh Debian 12 machine (root, no systemd needed):
#
#   1. host packages: installs (apt-get) only the missing ones
#   2. the CI box: build-box.sh builds it, or reuses the cached one
#   3. libvirt in a private network namespace (libvirt-netns.sh start)
#   4. `vagrant box add` into a VAGRANT_HOME inside the work dir
#   5. the command, run INSIDE the netns, or (no command) the smoke sequence
#   6. always (also on failure or Ctrl-C): destroy any VM left, remove the box from
#      VAGRANT_HOME, stop libvirt, delete the work dir. The box cache stays.
#
# Usage: run.sh                      smoke sequence: up, ssh-config, package check,
#                                    provision again (must change nothing), destroy
#        run.sh -- CMD [ARGS...]     run CMD inside the netns (cwd unchanged) with:
#          CHAOS_LAB_BOX=ci CHAOS_LAB_POOL CHAOS_LAB_VM_NETNS CHAOS_LAB_VM_WORK VAGRANT_HOME
#          VAGRANT_DEFAULT_PROVIDER=libvirt VAGRANT_CHECKPOINT_DISABLE=1
#          VAGRANT_DOTFILE_PATH (default $CHAOS_LAB_VM_WORK/dotfile, unless already set)
# Exit code: the command's (or the smoke sequence's); a failing setup step exits non-zero.
# Env:   CHAOS_LAB_VM_WORK    work dir (default /tmp/chaos-lab-vm); on failure only its logs/ stay
#        CHAOS_LAB_VM_NETNS   network namespace (default chaoslab)
#        CHAOS_LAB_POOL       libvirt storage pool (default chaos-lab)
#        CHAOS_LAB_BOX_CACHE  box + .deb cache (default /var/cache/chaos-lab-ci)
#        CHAOS_LAB_VM_KEEP=1  skip the teardown (debugging; run libvirt-netns.sh stop later)
#
# Network: the VM, its bridge, dnsmasq, vagrant and ssh live only inside the netns; the host
# talks only to the Debian mirror (apt, mmdebstrap).
set -euo pipefail
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
VAGRANT_DIR=$REPO/vagrant
PACKAGES_FILE=$VAGRANT_DIR/provision/packages.txt

export CHAOS_LAB_VM_WORK=${CHAOS_LAB_VM_WORK:-/tmp/chaos-lab-vm}
export CHAOS_LAB_VM_NETNS=${CHAOS_LAB_VM_NETNS:-chaoslab}
export CHAOS_LAB_POOL=${CHAOS_LAB_POOL:-chaos-lab}
export CHAOS_LAB_BOX_CACHE=${CHAOS_LAB_BOX_CACHE:-/var/cache/chaos-lab-ci}
WORK=$CHAOS_LAB_VM_WORK
NETNS=$CHAOS_LAB_VM_NETNS
BOX_NAME=chaos-lab/debian12-ci

# Host packages the job needs (Debian 12 names).
HOST_PACKAGES=(qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients vagrant
  vagrant-libvirt mmdebstrap eatmydata grub-pc-bin dnsmasq-base iptables fdisk
  e2fsprogs util-linux iproute2 procps openssh-client)

if [ $# -gt 0 ]; then
  [ "$1" = -- ] || { echo "usage: $0 [-- command args...]" >&2; exit 2; }
  shift
  [ $# -gt 0 ] || { echo "usage: $0 [-- command args...]" >&2; exit 2; }
fi
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root" >&2; exit 1; }

# ---- timing table
T0=$(date +%s.%N)
ROWS=()
now() { date +%s.%N; }
secs() { awk -v a="$(now)" -v b="$1" 'BEGIN {printf "%.1f", a - b}'; }
row() { ROWS+=("$(printf '  %-34s %8s s  %s' "$1" "$2" "${3:-}")"); }
banner() { printf '\n==== [run.sh] %s\n' "$*"; }
# phase NAME CMD...: run, time and record it; returns the command's status
phase() {
  local name=$1 s rc=0; shift
  banner "$name"
  s=$(now)
  "$@" || rc=$?
  row "$name" "$(secs "$s")" "$([ $rc -eq 0 ] && echo ok || echo "FAILED rc=$rc")"
  return $rc
}
in_netns() { ip netns exec "$NETNS" "$@"; }
# Vagrant redraws "Progress: N%" with carriage returns: thousands of fragments in a CI log
no_progress() { tr '\r' '\n' | sed -u -e 's/\x1b\[K//g' -e '/^Progress: /d' -e '/^$/d'; }

# ---- teardown, always
STARTED_LIBVIRT=0
BOX_ADDED=0
RESULT=1
teardown() {
  local rc=$? s
  set +e
  trap - EXIT INT TERM
  [ "$RESULT" = 1 ] && [ $rc -ne 0 ] && RESULT=$rc
  if [ "${CHAOS_LAB_VM_KEEP:-0}" = 1 ]; then
    banner "CHAOS_LAB_VM_KEEP=1: leaving libvirt, the VM and $WORK in place"
  else
    banner "teardown"
    s=$(now)
    if [ "$STARTED_LIBVIRT" = 1 ] && [ -d "$WORK/dotfile" ]; then
      (cd "$VAGRANT_DIR" && VAGRANT_DOTFILE_PATH=$WORK/dotfile in_netns vagrant destroy -f) >/dev/null 2>&1
    fi
    if [ "$BOX_ADDED" = 1 ]; then
      vagrant box remove --force "$BOX_NAME" >/dev/null 2>&1 || echo "warning: vagrant box remove failed"
    fi
    [ "$STARTED_LIBVIRT" = 1 ] && "$HERE/libvirt-netns.sh" stop
    if [ "$RESULT" -eq 0 ]; then
      rm -rf "$WORK"
    else
      find "$WORK" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} + 2>/dev/null
      echo "job failed: logs kept in $WORK/logs"
    fi
    row "teardown" "$(secs "$s")"
  fi
  printf '\n==== [run.sh] timings\n'
  printf '%s\n' "${ROWS[@]}"
  printf '  %-34s %8s s  exit %d\n' "total" "$(secs "$T0")" "$RESULT"
  exit "$RESULT"
}
trap teardown EXIT
trap 'echo "interrupted"; RESULT=130; exit 130' INT TERM

if [ -e "$WORK/libvirt/started" ]; then
  echo "run.sh: $WORK holds a running job (libvirt started); stop it first: CHAOS_LAB_VM_WORK=$WORK $HERE/libvirt-netns.sh stop" >&2
  trap - EXIT; exit 1
fi
rm -rf "$WORK"
mkdir -p "$WORK/logs"

# ---- 1. host packages
install_host_packages() {
  local missing=() p policy=/usr/sbin/policy-rc.d ours=0
  for p in "${HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then echo "all ${#HOST_PACKAGES[@]} host packages installed"; return 0; fi
  echo "installing ${#missing[@]} missing host packages: ${missing[*]}"
  # Package scripts must not start libvirtd (it would run, with its default network, in the
  # host's network namespace): block service starts while installing.
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; ours=1
  fi
  local rc=0
  { apt-get -q update && apt-get -y -q -o DPkg::Lock::Timeout=600 install --no-install-recommends "${missing[@]}"; } \
    > "$WORK/logs/host-apt.log" 2>&1 || rc=$?
  [ $ours = 1 ] && rm -f "$policy"
  [ $rc -eq 0 ] || { tail -30 "$WORK/logs/host-apt.log"; return $rc; }
  grep -E '^[0-9]+ upgraded' "$WORK/logs/host-apt.log" || true
}
phase "host packages (apt)" install_host_packages

# ---- 2. the box
BOX_FILE=
get_box() {
  "$HERE/build-box.sh" | tee "$WORK/logs/build-box.log"
  BOX_FILE=$(tail -1 "$WORK/logs/build-box.log")
  [ -f "$BOX_FILE" ]
}
key=$("$HERE/build-box.sh" --key)
if [ -f "$CHAOS_LAB_BOX_CACHE/box-$key/chaos-lab-debian12-ci.box" ]; then box_phase="box (cached)"; else box_phase="box (build)"; fi
phase "$box_phase" get_box
BOX_SIZE=$(du -h "$BOX_FILE" | cut -f1)
ROWS[${#ROWS[@]}-1]+="  $BOX_SIZE"

# ---- 3. libvirt in the netns
STARTED_LIBVIRT=1
phase "libvirt start (netns $NETNS)" "$HERE/libvirt-netns.sh" start

# ---- 4. box add
export VAGRANT_HOME=$WORK/vagrant.d VAGRANT_DEFAULT_PROVIDER=libvirt VAGRANT_CHECKPOINT_DISABLE=1
export VAGRANT_NO_COLOR=1 CHAOS_LAB_BOX=ci
export VAGRANT_DOTFILE_PATH=${VAGRANT_DOTFILE_PATH:-$WORK/dotfile}
BOX_ADDED=1
box_add() { in_netns vagrant box add --force --name "$BOX_NAME" "$BOX_FILE" | no_progress; }
phase "vagrant box add" box_add

# ---- 5. the command, or the smoke sequence
vg() { (cd "$VAGRANT_DIR" && in_netns vagrant "$@") | no_progress; }

# every package of packages.txt, checked in the guest (the headers token -> running kernel),
# plus the baseline provision.sh promises
check_packages() {
  local pkgs
  pkgs=$(sed 's/#.*//' "$PACKAGES_FILE" | awk 'NF {print $1}' \
           | sed 's/^@kernel-headers@$/linux-headers-$(uname -r)/' | tr '\n' ' ')
  vg ssh -c "
    bad=0
    set -- $pkgs
    ok=\$(dpkg-query -W -f='\${Package} \${db:Status-Abbrev}\\n' \"\$@\" 2>/dev/null | awk '\$2 == \"ii\"' | wc -l)
    echo \"\$ok of \$# packages installed\"
    if [ \"\$ok\" -ne \$# ]; then
      for p in \"\$@\"; do dpkg-query -W -f='\${db:Status-Abbrev}' \"\$p\" 2>/dev/null | grep -q '^ii' || echo \"MISSING \$p\"; done
      bad=1
    fi
    grep -qx 'packages_sha256=$(sha256sum "$PACKAGES_FILE" | cut -d' ' -f1)' /var/lib/chaos-lab/provisioned \
      && echo 'marker matches packages.txt' || { echo 'marker missing or stale'; bad=1; }
    units='nginx apache2 mariadb postgresql redis-server prometheus docker docker.socket containerd'
    if systemctl is-active \$units | grep -qx active || systemctl is-enabled \$units 2>/dev/null | grep -qx enabled; then
      for u in \$units; do echo \"  \$u: \$(systemctl is-active \$u) \$(systemctl is-enabled \$u 2>/dev/null)\"; done; bad=1
    else
      echo 'lab services stopped and disabled'
    fi
    [ -z \"\$(swapon --show --noheadings)\" ] && echo 'no swap' || { echo 'swap is on'; bad=1; }
    command -v tc >/dev/null && echo 'tc on the PATH of the vagrant user' || { echo 'tc not on PATH'; bad=1; }
    echo \"kernel \$(uname -r), \$(nproc) vCPUs, \$(free -m | awk '/^Mem:/ {print \$2}') MB, root fs \$(df -h --output=used,size / | tail -1)\"
    exit \$bad"
}

# what a provision run could change: packages, enabled/masked units (their symlinks, read from
# the file system: systemctl over D-Bus is slow and can time out under emulation), fstab and
# swap, and the files provision.sh writes (with their mtimes)
guest_state() {
  vg ssh -c 'sudo sh -c "dpkg-query -W; find /etc/systemd/system -type l -printf \"%p -> %l\n\" | sort;
    cat /etc/fstab /proc/swaps /var/lib/chaos-lab/provisioned;
    ls -l --time-style=+%s /var/lib/chaos-lab /etc/profile.d /etc/ssh/sshd_config.d"' > "$1" 2>/dev/null
}

provision_again() {
  local s
  s=$(now); guest_state "$WORK/logs/guest-state.before" || { echo "could not read the guest state"; return 1; }
  echo "guest state read in $(secs "$s") s"
  s=$(now)
  vg provision 2>&1 | tee "$WORK/logs/provision-again.log" || { echo "vagrant provision failed"; return 1; }
  echo "vagrant provision took $(secs "$s") s"
  guest_state "$WORK/logs/guest-state.after" || { echo "could not read the guest state"; return 1; }
  grep -q '\[provision\] done in .*: no changes' "$WORK/logs/provision-again.log" \
    || { echo "provision reported changes"; return 1; }
  if ! diff -u "$WORK/logs/guest-state.before" "$WORK/logs/guest-state.after"; then
    echo "the guest state changed"; return 1
  fi
  echo "second provision changed nothing ($(wc -l < "$WORK/logs/guest-state.after") lines of guest state compared)"
}

smoke() {
  phase "vagrant up" vg up --provider=libvirt || return $?
  phase "vagrant ssh-config" vg ssh-config || return $?
  phase "package + baseline check" check_packages || return $?
  phase "provision re-run" provision_again || return $?
  phase "vagrant destroy" vg destroy -f || return $?
}

if [ $# -eq 0 ]; then
  smoke && RESULT=0 || RESULT=$?
else
  label="command: $*"; [ ${#label} -le 34 ] || label="${label:0:31}..."
  phase "$label" in_netns "$@" && RESULT=0 || RESULT=$?
fi
exit "$RESULT"
