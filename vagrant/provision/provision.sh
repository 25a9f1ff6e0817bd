#!/usr/bin/env bash
# Chaos Lab guest provisioning. Run as root inside the VM by Vagrant's shell provisioner:
#
#   provision.sh [PACKAGES_FILE [GUEST_DIR]]
#
#   PACKAGES_FILE  the package list (default: packages.txt next to this script)
#   GUEST_DIR      folder with chaos-lab-agent and chaos-lab-agent.service (default: ../guest
#                  next to this script, i.e. vagrant/guest/ of a checkout; the Vagrantfile
#                  uploads it to /tmp/chaos-lab-guest)
#
# Idempotent: it only acts on what differs from the wanted state, so a second run changes
# nothing and takes a few seconds. apt-get is called only when a package is missing.
# Progress goes to stdout as "[provision N/M] what" lines, which the app turns into
# "step N of M"; the last line says whether anything changed.
#
# The wanted state ("clean baseline"):
#   * every package of packages.txt installed (no Recommends, same as the CI box);
#   * lab services installed but stopped and disabled at boot (see LAB_UNITS);
#   * no swap; /usr/sbin and /sbin on PATH for ssh sessions of the vagrant user;
#   * the guest agent (/usr/local/bin/chaos-lab-agent: fault ledger + dead-man's switch)
#     installed, its service chaos-lab-agent.service enabled and running;
#   * /var/lib/chaos-lab/provisioned records the checksum of the package list.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PACKAGES_FILE=${1:-$HERE/packages.txt}
GUEST_DIR=${2:-$HERE/../guest}
STATE_DIR=/var/lib/chaos-lab
MARKER=$STATE_DIR/provisioned
STEPS=6

AGENT_BIN=/usr/local/bin/chaos-lab-agent
AGENT_UNIT=chaos-lab-agent.service
AGENT_CONF=/etc/chaos-lab/agent.conf

# Lab services: installed by packages.txt, but NOT running and NOT enabled at boot. Each lab
# starts what it needs in its setup and stops it in its cleanup. Why:
#   * boot is faster (MariaDB, PostgreSQL, dockerd, Prometheus... are slow to start, and even
#     more so under emulation in CI);
#   * every lab begins from the same steady state, whatever ran before;
#   * idle daemons cost CPU, memory and ports (80, 3306, 5432, 6379, 9090...), which would skew
#     the labs' measurements and clash with labs that run their own instance on those ports.
# docker.socket is listed too: it would start dockerd on the first `docker` command.
LAB_UNITS=(
  nginx.service
  apache2.service
  apache-htcacheclean.service
  mariadb.service
  postgresql.service
  redis-server.service
  prometheus.service
  prometheus-node-exporter.service
  docker.socket
  docker.service
  containerd.service
)

SBIN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

t_start=$(date +%s.%N)
changes=0
step() { printf '[provision %d/%d] %s\n' "$1" "$STEPS" "$2"; }
info() { printf '    %s\n' "$*"; }
changed() { changes=$((changes + 1)); info "$*"; }
die() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
[ -r "$PACKAGES_FILE" ] || die "package list not found: $PACKAGES_FILE"
for f in chaos-lab-agent "$AGENT_UNIT"; do
  [ -r "$GUEST_DIR/$f" ] || die "guest agent file not found: $GUEST_DIR/$f"
done

# write_if_changed PATH MODE: content on stdin; rewrites the file only when it differs.
# Returns 0 when the file was (re)written, 1 when it was already right.
write_if_changed() {
  local path=$1 mode=$2 tmp
  tmp=$(mktemp)
  cat > "$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path"; then rm -f "$tmp"; return 1; fi
  install -D -m "$mode" "$tmp" "$path"
  rm -f "$tmp"
  return 0
}

# installed PKG...: prints the names among PKG... that dpkg reports as fully installed
installed() {
  dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null | awk '$2 == "ii" {print $1}' || true
}

# ---------------------------------------------------------------------------------------------
step 1 "reading package list"
list_sha=$(sha256sum "$PACKAGES_FILE" | cut -d' ' -f1)
mapfile -t wanted < <(sed 's/#.*//' "$PACKAGES_FILE" | awk 'NF {print $1}')
[ "${#wanted[@]}" -gt 0 ] || die "no packages in $PACKAGES_FILE"

# @kernel-headers@ -> headers of the running kernel. A box built some time ago may run a
# kernel ABI that the archive no longer carries; then the kernel flavour's metapackages
# (current kernel + its headers) are installed instead, and BCC works after a reboot.
kernel=$(uname -r)                                   # e.g. 6.1.0-28-cloud-amd64
flavour=$(sed -E 's/^[0-9.]+-[0-9]+-//' <<<"$kernel") # e.g. cloud-amd64, amd64, arm64
running_headers=linux-headers-$kernel
reboot_needed=0
for i in "${!wanted[@]}"; do
  [ "${wanted[$i]}" = "@kernel-headers@" ] || continue
  wanted[$i]=$running_headers
  if [ -z "$(installed "$running_headers")" ] && [ -n "$(installed "linux-headers-$flavour")" ]; then
    # the fallback already ran: newer kernel + headers are installed, waiting for a reboot
    wanted[$i]=linux-headers-$flavour
    reboot_needed=1
  fi
done
info "${#wanted[@]} packages (list sha256 ${list_sha:0:12}), kernel $kernel"

# ---------------------------------------------------------------------------------------------
declare -A is_installed=()
while read -r p; do is_installed[$p]=1; done < <(installed "${wanted[@]}")
missing=()
for p in "${wanted[@]}"; do
  [ -n "${is_installed[$p]:-}" ] || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  step 2 "all ${#wanted[@]} packages already installed"
else
  step 2 "installing ${#missing[@]} missing packages"
  info "${missing[*]}"
  apt_opts=(-y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  apt-get "${apt_opts[@]}" update >/dev/null
  for i in "${!missing[@]}"; do
    if [ "${missing[$i]}" = "$running_headers" ] && ! apt-cache show "$running_headers" >/dev/null 2>&1; then
      info "$running_headers is no longer in the archive: installing linux-image-$flavour + linux-headers-$flavour (reboot needed)"
      missing[$i]=linux-headers-$flavour
      missing+=("linux-image-$flavour")
      reboot_needed=1
    fi
  done
  # Keep package scripts from starting the lab services during the install: step 3 would stop
  # them again anyway. Only when no policy-rc.d exists, and always removed again.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    trap 'rm -f "$policy"' EXIT
    printf '#!/bin/sh\n# temporary, from chaos-lab provision.sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
  fi
  apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}"
  if [ -n "${policy:-}" ] && grep -q 'chaos-lab provision.sh' "$policy" 2>/dev/null; then
    rm -f "$policy"; trap - EXIT
  fi
  apt-get -q clean
  changes=$((changes + ${#missing[@]}))
  mapfile -t have < <(installed "${missing[@]}")
  [ "${#have[@]}" -eq "${#missing[@]}" ] || die "still missing after apt-get: $(printf '%s\n' "${missing[@]}" "${have[@]}" | sort | uniq -u | tr '\n' ' ')"
fi

# ---------------------------------------------------------------------------------------------
step 3 "lab services: installed, stopped, not enabled at boot"
# One systemctl call per question (each call is slow under emulation); the stop is one
# transaction, so a socket cannot restart its service. Units of packages that are not
# installed are simply absent from list-unit-files.
mapfile -t units < <(systemctl list-unit-files --no-legend --no-pager "${LAB_UNITS[@]}" 2>/dev/null \
                       | awk '{print $1}')
to_disable=() to_stop=()
if [ "${#units[@]}" -gt 0 ]; then
  mapfile -t enabled < <(systemctl is-enabled "${units[@]}" 2>/dev/null || true)
  mapfile -t active < <(systemctl is-active "${units[@]}" 2>/dev/null || true)
  for i in "${!units[@]}"; do
    [ "${enabled[$i]:-}" = enabled ] && to_disable+=("${units[$i]}")
    [ "${active[$i]:-}" = active ] && to_stop+=("${units[$i]}")
  done
fi
if [ "${#to_disable[@]}" -gt 0 ]; then
  systemctl disable --quiet "${to_disable[@]}"
  changed "disabled ${to_disable[*]}"
fi
if [ "${#to_stop[@]}" -gt 0 ]; then
  systemctl stop "${to_stop[@]}"
  changed "stopped ${to_stop[*]}"
fi

# ---------------------------------------------------------------------------------------------
step 4 "system settings: no swap, /usr/sbin on PATH"
# No swap: memory labs (OOM killer, cgroup limits) must behave the same on every machine.
if [ -n "$(swapon --show --noheadings 2>/dev/null)" ]; then
  swapoff -a
  changed "swap turned off"
fi
if awk '$1 !~ /^#/ && $3 == "swap" {found=1} END {exit !found}' /etc/fstab; then
  sed -i -E '/^[[:space:]]*#/! s/^(.*[[:space:]]swap[[:space:]].*)$/# chaos-lab: no swap # \1/' /etc/fstab
  changed "swap entries commented out in /etc/fstab"
fi

# `vagrant ssh -c` and terminal sessions run login shells, and Debian's /etc/profile gives
# non-root users a PATH without the sbin directories (ip, tc, iptables, sysctl live there).
if write_if_changed /etc/profile.d/chaos-lab-sbin-path.sh 0644 <<'EOF'
# Chaos Lab: the labs use tools from /usr/sbin and /sbin (ip, tc, iptables...) as a normal user.
case ":$PATH:" in
  *:/usr/sbin:*) ;;
  *) PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH ;;
esac
EOF
then changed "wrote /etc/profile.d/chaos-lab-sbin-path.sh"; fi
# Non-login commands over ssh (the app's exec channel) get their PATH from sshd.
if [ -d /etc/ssh/sshd_config.d ]; then
  if write_if_changed /etc/ssh/sshd_config.d/chaos-lab.conf 0644 <<EOF
# Chaos Lab: commands run over ssh without a login shell also find the sbin tools.
SetEnv PATH=$SBIN_PATH
EOF
  then
    if sshd -t 2>/dev/null; then
      # reload keeps existing connections (including the one running this script)
      systemctl reload ssh.service 2>/dev/null || systemctl reload sshd.service 2>/dev/null || true
      changed "wrote /etc/ssh/sshd_config.d/chaos-lab.conf"
    else
      rm -f /etc/ssh/sshd_config.d/chaos-lab.conf
      info "warning: sshd rejected the SetEnv drop-in; left it out ($(sshd -t 2>&1 | head -1))"
    fi
  fi
fi

# ---------------------------------------------------------------------------------------------
step 5 "guest agent: fault ledger and dead-man's switch"
# The app records every fault it injects in the agent's ledger, inside the VM, and sends it
# heartbeats over SSH; when the heartbeats stop, the service reverts every recorded fault.
# The service only needs a restart when its program or unit changed; a restart keeps the
# ledger and the heartbeat (in /run), so it never reverts anything by itself.
agent_restart=0
if write_if_changed "$AGENT_BIN" 0755 < "$GUEST_DIR/chaos-lab-agent"; then
  changed "installed $AGENT_BIN"
  agent_restart=1
fi
if write_if_changed "/etc/systemd/system/$AGENT_UNIT" 0644 < "$GUEST_DIR/$AGENT_UNIT"; then
  systemctl daemon-reload
  changed "installed /etc/systemd/system/$AGENT_UNIT"
  agent_restart=1
fi
# The settings file is the learner's to edit: written only when missing, never overwritten.
# The agent rereads it within a second, so creating it needs no restart.
if [ ! -e "$AGENT_CONF" ]; then
  write_if_changed "$AGENT_CONF" 0644 <<'EOF' || true
# Chaos Lab guest agent (chaos-lab-agent.service). Changes apply within a second.
# Seconds without a heartbeat from the Chaos Lab app before the agent reverts every fault
# that is still recorded in its ledger (/var/lib/chaos-lab/ledger).
timeout_seconds=30
EOF
  changed "wrote $AGENT_CONF"
fi
if [ "$(systemctl is-enabled "$AGENT_UNIT" 2>/dev/null || true)" != enabled ]; then
  systemctl enable --quiet "$AGENT_UNIT"
  changed "enabled $AGENT_UNIT"
fi
if ! systemctl is-active --quiet "$AGENT_UNIT"; then
  systemctl start "$AGENT_UNIT"
  changed "started $AGENT_UNIT"
elif [ "$agent_restart" = 1 ]; then
  systemctl restart "$AGENT_UNIT"
  info "restarted $AGENT_UNIT (new version)"
fi
# The installed program must answer (python3 present, no syntax error) and the service be up.
agent_status=$("$AGENT_BIN" status 2>&1) || die "chaos-lab-agent status failed: $agent_status"
systemctl is-active --quiet "$AGENT_UNIT" \
  || die "$AGENT_UNIT is not running: $(journalctl -u "$AGENT_UNIT" -n 5 --no-pager -o cat 2>/dev/null | tr '\n' ' ')"
info "agent: $agent_status"

# ---------------------------------------------------------------------------------------------
step 6 "recording the provisioned state"
script_sha=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)
if write_if_changed "$MARKER" 0644 <<EOF
packages_sha256=$list_sha
provision_sha256=$script_sha
packages=${#wanted[@]}
EOF
then changed "wrote $MARKER"; fi
if [ "$reboot_needed" = 1 ]; then
  echo "kernel $kernel has no headers in the archive; reboot into the new $flavour kernel" \
    | write_if_changed "$STATE_DIR/reboot-required" 0644 && changed "wrote $STATE_DIR/reboot-required"
  info "NOTE: reboot needed before the BCC tools work (new kernel + headers installed)"
elif [ -e "$STATE_DIR/reboot-required" ]; then
  rm -f "$STATE_DIR/reboot-required"
  changed "removed $STATE_DIR/reboot-required"
fi

elapsed=$(awk -v a="$(date +%s.%N)" -v b="$t_start" 'BEGIN {printf "%.1f", a - b}')
if [ "$changes" -eq 0 ]; then
  echo "[provision] done in ${elapsed}s: no changes"
else
  echo "[provision] done in ${elapsed}s: $changes changes"
fi
