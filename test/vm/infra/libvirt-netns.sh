#!/usr/bin/env bash
# Start and stop a private libvirt for the VM tests: virtlogd + libvirtd, started by hand (the
# CI machines have no systemd) INSIDE a network namespace made for the job, plus a directory
# storage pool in the work dir.
#
# Why a netns: vagrant-libvirt creates its management network (bridge 192.168.121.1/24, a
# dnsmasq, NAT rules) and the guest's address. In the netns all of that exists only there, and
# nothing is added to the machine's own network stack. Every command that talks to the VM
# (vagrant, ssh) must run in the same netns: `ip netns exec $NETNS ...`.
#
#   libvirt-netns.sh start    netns, virtlogd, libvirtd, pool; records what existed before
#   libvirt-netns.sh stop     undoes exactly what `start` (and the VMs since) created
#   libvirt-netns.sh status
# Env: CHAOS_LAB_VM_NETNS  netns name (default chaoslab)
#      CHAOS_LAB_VM_WORK   work dir (default /tmp/chaos-lab-vm); state in $WORK/libvirt/
#      CHAOS_LAB_POOL      storage pool name (default chaos-lab), target $WORK/pool
#
# Only one system libvirtd can run per machine (it owns /run/libvirt), so `start` refuses to
# run next to another one; two jobs on one machine would have to share it.
set -euo pipefail
export LC_ALL=C

NETNS=${CHAOS_LAB_VM_NETNS:-chaoslab}
WORK=${CHAOS_LAB_VM_WORK:-/tmp/chaos-lab-vm}
POOL=${CHAOS_LAB_POOL:-chaos-lab}
STATE=$WORK/libvirt
URI=qemu:///system
# Where libvirtd keeps configuration and runtime state. `start` records their contents and
# `stop` removes whatever appeared since and restores /etc/libvirt (libvirtd rewrites some of
# its XML on first start, e.g. adds UUIDs to the nwfilters and the default network).
LIBVIRT_DIRS=(/etc/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt /run/libvirt)

log() { printf '[libvirt-netns] %s\n' "$*"; }
die() { printf '[libvirt-netns] ERROR: %s\n' "$*" >&2; exit 1; }
virsh_() { virsh -q -c "$URI" "$@"; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { cat "$STATE/$1.pid" 2>/dev/null || true; }
netns_exists() { [ -e "/run/netns/$NETNS" ]; }
list_libvirt_files() {
  local d
  for d in "${LIBVIRT_DIRS[@]}"; do
    echo "$d"
    if [ -d "$d" ]; then find "$d" -xdev 2>/dev/null || true; fi
  done | sort -u
}
wait_for() {  # wait_for SECONDS CMD...
  local n=$(( $1 * 10 )); shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

start() {
  [ "$(id -u)" = 0 ] || die "must run as root"
  if [ -f "$STATE/started" ]; then die "already started by this work dir ($STATE); run stop first"; fi
  for p in /run/libvirtd.pid "$STATE/libvirtd.pid"; do
    if alive "$(cat "$p" 2>/dev/null || true)"; then die "a libvirtd is already running (pid file $p)"; fi
  done
  if [ -S /run/libvirt/libvirt-sock ] && virsh -c "$URI" version >/dev/null 2>&1; then
    die "another libvirtd answers on /run/libvirt/libvirt-sock; refusing to start a second one"
  fi
  if [ -d /run/systemd/system ] && systemctl is-active --quiet libvirtd.socket 2>/dev/null; then
    die "systemd's libvirtd.socket is active: libvirtd would start in the host namespace. Stop it first (systemctl stop libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket libvirtd.service)"
  fi

  rm -rf "$STATE"; mkdir -p "$STATE" "$WORK/pool"
  # what exists before we start: files (for stop's cleanup) and /etc/libvirt's content
  list_libvirt_files > "$STATE/files.before"
  [ -d /etc/libvirt ] && tar -C / -cpf "$STATE/etc-libvirt.tar" etc/libvirt
  touch "$STATE/started"

  if netns_exists; then
    log "netns $NETNS already exists: using it (stop will leave it)"
  else
    ip netns add "$NETNS"
    touch "$STATE/netns.created"
  fi
  ip -n "$NETNS" link set lo up

  # -d daemonizes; pid files in our state dir so stop kills exactly these processes
  ip netns exec "$NETNS" virtlogd -d -p "$STATE/virtlogd.pid"
  wait_for 10 test -S /run/libvirt/virtlogd-sock || die "virtlogd did not come up"
  # /dev/kvm: libvirt calls KVM usable only if the qemu user may open /dev/kvm, but its
  # capability probe uses KVM anyway. Without udev (these machines) /dev/kvm is root-only, the
  # two disagree, and libvirt re-probes QEMU on EVERY capability query (~4 s each, about two
  # minutes per `vagrant up`). `ip netns exec` gives libvirtd its own mount namespace; there,
  # /dev/kvm is covered by a copy of the node that group kvm may open, as udev would set it.
  # The host's /dev/kvm is not touched, and the domains still run under TCG (driver "qemu").
  kvm_node=
  if [ -c /dev/kvm ]; then
    kvm_node=$STATE/kvm
    mknod -m 0660 "$kvm_node" c "$((16#$(stat -c %t /dev/kvm)))" "$((16#$(stat -c %T /dev/kvm)))"
    chgrp kvm "$kvm_node" 2>/dev/null || true
  fi
  LIBVIRT_LOG_OUTPUTS="${LIBVIRT_LOG_OUTPUTS:-3:file:$STATE/libvirtd.log}" \
    ip netns exec "$NETNS" sh -c '
      if [ -n "$1" ] && ! mount --bind "$1" /dev/kvm; then
        echo "[libvirt-netns] warning: could not cover /dev/kvm; capability queries will be slow" >&2
      fi
      exec libvirtd -d -p "$2"' sh "$kvm_node" "$STATE/libvirtd.pid"
  wait_for 30 virsh -c "$URI" version || die "libvirtd did not answer (see $STATE/libvirtd.log)"

  # objects that existed before this run (libvirt's own `default` network, for instance):
  # stop leaves their definitions alone (gotcha: undefining `default` deletes its XML)
  virsh_ list --all --name | sed '/^$/d' > "$STATE/domains.before"
  virsh_ net-list --all --name | sed '/^$/d' > "$STATE/networks.before"
  virsh_ pool-list --all --name | sed '/^$/d' > "$STATE/pools.before"

  if grep -qxF "$POOL" "$STATE/pools.before"; then
    log "pool $POOL already defined: using it (stop will leave it)"
  else
    virsh_ pool-define-as "$POOL" dir --target "$WORK/pool" >/dev/null
    touch "$STATE/pool.created"
  fi
  virsh_ pool-start "$POOL" >/dev/null 2>&1 || true
  log "started: netns $NETNS, virtlogd $(pid_of virtlogd), libvirtd $(pid_of libvirtd), pool $POOL at $WORK/pool"
}

stop() {
  [ -f "$STATE/started" ] || { log "nothing to stop (no $STATE/started)"; return 0; }
  touch "$STATE/domains.before" "$STATE/networks.before"
  if alive "$(pid_of libvirtd)" && virsh -c "$URI" version >/dev/null 2>&1; then
    # Every running domain and active network belongs to our libvirtd: stop them all (that
    # also ends their qemu and dnsmasq). Undefine only the ones this run defined.
    for d in $(virsh_ list --name | sed '/^$/d'); do virsh_ destroy "$d" >/dev/null 2>&1 || true; done
    for d in $(virsh_ list --all --name | sed '/^$/d' | grep -vxF -f "$STATE/domains.before" || true); do
      virsh_ undefine "$d" --managed-save --snapshots-metadata --nvram >/dev/null 2>&1 \
        || virsh_ undefine "$d" >/dev/null 2>&1 || true
      log "removed domain $d"
    done
    for n in $(virsh_ net-list --name | sed '/^$/d'); do virsh_ net-destroy "$n" >/dev/null 2>&1 || true; done
    for n in $(virsh_ net-list --all --name | sed '/^$/d' | grep -vxF -f "$STATE/networks.before" || true); do
      virsh_ net-undefine "$n" >/dev/null 2>&1 || true
      log "removed network $n"
    done
    if [ -f "$STATE/pool.created" ]; then
      # box images uploaded by vagrant-libvirt stay in the pool after `vagrant box remove`
      for v in $(virsh_ vol-list "$POOL" 2>/dev/null | awk '{print $1}'); do
        virsh_ vol-delete "$v" --pool "$POOL" >/dev/null 2>&1 || true
      done
      virsh_ pool-destroy "$POOL" >/dev/null 2>&1 || true
      virsh_ pool-undefine "$POOL" >/dev/null 2>&1 || true
      rm -rf "$WORK/pool"
      log "removed pool $POOL"
    fi
  fi

  for daemon in libvirtd virtlogd; do
    pid=$(pid_of "$daemon")
    if alive "$pid"; then
      kill "$pid"
      wait_for 10 bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
      log "stopped $daemon (pid $pid)"
    fi
  done

  if [ -f "$STATE/netns.created" ] && netns_exists; then
    # anything still living in our netns was started by this run (a qemu or dnsmasq whose
    # daemon died, an ssh tunnel): end it by pid before deleting the namespace
    for pid in $(ip netns pids "$NETNS" 2>/dev/null); do
      kill "$pid" 2>/dev/null && log "killed leftover pid $pid ($(cat /proc/"$pid"/comm 2>/dev/null || echo ?))"
    done
    sleep 0.5
    for pid in $(ip netns pids "$NETNS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$NETNS"
    log "removed netns $NETNS"
  fi

  # keep the logs of this run in $WORK/logs (run.sh keeps them when the job fails)
  mkdir -p "$WORK/logs"
  cp "$STATE/libvirtd.log" "$WORK/logs/" 2>/dev/null || true
  if [ -f "$STATE/files.before" ]; then
    find /var/log/libvirt -xdev -name '*.log' 2>/dev/null | sort | comm -13 "$STATE/files.before" - \
      | xargs -r cp -t "$WORK/logs/" 2>/dev/null || true
  fi

  # files libvirtd created since start: remove (deepest first); /etc/libvirt: restore content
  if [ -f "$STATE/files.before" ]; then
    list_libvirt_files | comm -13 "$STATE/files.before" - | sort -r | while read -r f; do
          if [ -d "$f" ] && [ ! -L "$f" ]; then rmdir "$f" 2>/dev/null || true; else rm -f "$f"; fi
        done
  fi
  [ -f "$STATE/etc-libvirt.tar" ] && tar -C / -xpf "$STATE/etc-libvirt.tar"
  rm -rf "$STATE"
  log "stopped"
}

status() {
  echo "netns $NETNS: $(netns_exists && echo present || echo absent)"
  for daemon in virtlogd libvirtd; do
    pid=$(pid_of "$daemon")
    echo "$daemon: $(alive "$pid" && echo "running (pid $pid)" || echo 'not running')"
  done
  if alive "$(pid_of libvirtd)"; then
    virsh -c "$URI" list --all; virsh -c "$URI" net-list --all; virsh -c "$URI" pool-list --all
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
