#!/usr/bin/env bash
# Build the Chaos Lab CI box: a Debian 12 (bookworm) vagrant-libvirt box made for pure QEMU
# emulation (TCG), with every lab package of vagrant/provision/packages.txt already installed.
#
#   mmdebstrap (+eatmydata) -> configured rootfs -> raw disk (MBR, ext4, GRUB from the host)
#   -> qcow2 -> chaos-lab-debian12-ci.box (metadata.json + box Vagrantfile + box.img)
#
# Why bake the packages in: apt inside the emulated guest is ~20x slower than on the host, so
# in CI the provisioner finds everything installed and only checks the baseline.
#
# The result is cached: $CACHE/box-<key>/chaos-lab-debian12-ci.box, where <key> is a sha256 of
# this script + packages.txt + box.Vagrantfile. A cached box is reused as is; .debs are kept in
# $CACHE/debs so a rebuild downloads only what changed.
#
# Usage: build-box.sh            builds (or reuses) the box; the LAST line of stdout is its path
#        build-box.sh --key      prints the cache key and exits
# Env:   CHAOS_LAB_BOX_CACHE  cache dir (default /var/cache/chaos-lab-ci)
#        CHAOS_LAB_BUILD_DIR  scratch dir, removed afterwards (default /tmp/chaos-lab-box-build)
#        CHAOS_LAB_MIRROR     Debian mirror (default http://deb.debian.org/debian)
#        CHAOS_LAB_DISK_SIZE  virtual disk size (default 16G; sparse, ~2.7 GB used)
#        CHAOS_LAB_REBUILD=1  ignore a cached box with the same key
# Needs root and: mmdebstrap eatmydata qemu-utils grub-pc-bin e2fsprogs fdisk util-linux vagrant
#        (grub-pc-bin brings grub-common's grub-mkimage; grub-install is not used)
# Network: only the Debian mirror, like the host's own apt.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
PACKAGES_FILE=$REPO/vagrant/provision/packages.txt
BOX_VAGRANTFILE=$HERE/box.Vagrantfile
CACHE=${CHAOS_LAB_BOX_CACHE:-/var/cache/chaos-lab-ci}
BUILD=${CHAOS_LAB_BUILD_DIR:-/tmp/chaos-lab-box-build}
MIRROR=${CHAOS_LAB_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=http://deb.debian.org/debian-security
DISK_SIZE=${CHAOS_LAB_DISK_SIZE:-16G}
BOX_NAME=chaos-lab-debian12-ci.box
GUEST_HOSTNAME=chaos-lab

# Packages the box itself needs (not labs): init, ssh, the CI kernel and the guest agent that
# tells vagrant-libvirt the guest's IP address.
BASE_PKGS=(systemd-sysv dbus systemd-resolved udev kmod openssh-server sudo ca-certificates
           linux-image-cloud-amd64 qemu-guest-agent iproute2 procps less)

# Lab services start disabled in the box, so the first boot under TCG does not spend a minute
# starting databases. provision.sh (LAB_UNITS) is what guarantees this on every machine.
BOX_DISABLED_UNITS=(nginx.service apache2.service mariadb.service postgresql.service
  redis-server.service prometheus.service prometheus-node-exporter.service
  docker.socket docker.service containerd.service)

# Timers and units that wake up in the middle of a test (apt, man-db, fstrim...) or block boot.
BOX_MASKED_UNITS=(systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer
  man-db.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer dpkg-db-backup.timer
  getty@tty1.service)

cache_key() {
  cat "${BASH_SOURCE[0]}" "$PACKAGES_FILE" "$BOX_VAGRANTFILE" | sha256sum | cut -c1-16
}
if [ "${1:-}" = --key ]; then cache_key; exit 0; fi

[ "$(id -u)" = 0 ] || { echo "build-box.sh: must run as root" >&2; exit 1; }
KEY=$(cache_key)
OUT=$CACHE/box-$KEY
mkdir -p "$CACHE/debs"

# One builder at a time per cache (a second job waits, then finds the box ready).
exec 9>"$CACHE/.lock"
flock 9

if [ -f "$OUT/$BOX_NAME" ] && [ "${CHAOS_LAB_REBUILD:-0}" != 1 ]; then
  echo "cached box $KEY ($(du -h "$OUT/$BOX_NAME" | cut -f1)), built in $(cat "$OUT/build-seconds" 2>/dev/null || echo '?') s"
  echo "$OUT/$BOX_NAME"
  exit 0
fi

t0=$(date +%s.%N)
since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN {printf "%.1f", a - b}'; }
stamp() { printf '[build-box %6ss] %s\n' "$(since "$t0")" "$*"; }

ROOT=$BUILD/rootfs
MNT=$BUILD/mnt
LOGS=$CACHE/build-logs     # logs of the last build, kept when the scratch dir goes
RAW=$BUILD/disk.raw
TMP_OUT=$CACHE/.box-$KEY.tmp.$$
LOOP=
cleanup() {
  set +e
  mountpoint -q "$MNT" 2>/dev/null && umount -R "$MNT"
  [ -n "$LOOP" ] && losetup -d "$LOOP"
  rm -rf "$BUILD" "$TMP_OUT"
}
trap cleanup EXIT
rm -rf "$BUILD"
rm -rf "$LOGS"
mkdir -p "$BUILD" "$MNT" "$TMP_OUT" "$LOGS"

PUBKEY=$(ls /usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub 2>/dev/null | head -1 || true)
[ -f "$PUBKEY" ] || { echo "build-box.sh: Vagrant's insecure public key not found (is vagrant installed?)" >&2; exit 1; }

# ---- package list: base + every lab package (the headers token -> the CI kernel's headers)
mapfile -t lab_pkgs < <(sed 's/#.*//' "$PACKAGES_FILE" | awk 'NF {print $1}' \
                          | sed 's/^@kernel-headers@$/linux-headers-cloud-amd64/')
include=$(printf '%s\n' "${BASE_PKGS[@]}" "${lab_pkgs[@]}" | awk '!seen[$0]++' | paste -sd, -)
stamp "key $KEY: ${#BASE_PKGS[@]} base + ${#lab_pkgs[@]} lab packages, mirror $MIRROR"

# ---- 1. bootstrap. minbase + our list, no Recommends (as provision.sh). eatmydata skips the
# fsyncs of ~1000 package installs (a failed build is thrown away anyway). The essential hook
# makes the first initrd the slim one: only the virtio disk modules (ext4 is built in), so the
# kernel's postinst builds it once and udev in the initrd has little to do under TCG.
stamp "mmdebstrap: log in $LOGS/mmdebstrap.log"
mmdebstrap --variant=minbase --include="$include" \
  --aptopt='APT::Install-Recommends "false"' \
  --hook-dir=/usr/share/mmdebstrap/hooks/eatmydata \
  --skip=essential/unlink \
  --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
  --setup-hook="sync-in $CACHE/debs /var/cache/apt/archives/" \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/initramfs-tools/modules.d"
      echo MODULES=list > "$1/etc/initramfs-tools/conf.d/chaos-lab.conf"
      printf "virtio_pci\nvirtio_blk\nvirtio_scsi\nsd_mod\n" > "$1/usr/share/initramfs-tools/modules.d/chaos-lab"' \
  --customize-hook="sync-out /var/cache/apt/archives $CACHE/debs" \
  bookworm "$ROOT" \
  "deb $MIRROR bookworm main" \
  "deb $MIRROR bookworm-updates main" \
  "deb $SECURITY_MIRROR bookworm-security main" \
  > "$LOGS/mmdebstrap.log" 2>&1 || { tail -40 "$LOGS/mmdebstrap.log"; exit 1; }
# drop cached .debs this build did not use (superseded versions)
chroot "$ROOT" dpkg-query -W -f='${Package}_${Version}_${Architecture}.deb\n' | sed 's/:/%3a/' \
  | sort > "$BUILD/debs.used"
find "$CACHE/debs" -maxdepth 1 -name '*.deb' -printf '%f\n' | sort | comm -23 - "$BUILD/debs.used" \
  | sed "s|^|$CACHE/debs/|" | xargs -r rm -f
stamp "mmdebstrap done: $(du -sh "$ROOT" | cut -f1), $(chroot "$ROOT" dpkg-query -W | wc -l) packages"

# ---- 2. configure the guest
in_root() { chroot "$ROOT" "$@"; }
echo "$GUEST_HOSTNAME" > "$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
  "$GUEST_HOSTNAME" > "$ROOT/etc/hosts"
cat > "$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
EOF
rm -f "$ROOT"/etc/apt/sources.list.d/*
echo 'LABEL=rootfs / ext4 errors=remount-ro,noatime 0 1' > "$ROOT/etc/fstab"

# network: DHCP on the first NIC (eth0, thanks to net.ifnames=0) with systemd-networkd
cat > "$ROOT/etc/systemd/network/20-dhcp.network" <<'EOF'
[Match]
Name=eth* en*

[Network]
DHCP=ipv4
IPv6AcceptRA=no
LinkLocalAddressing=no
EOF
in_root systemctl enable --quiet systemd-networkd systemd-resolved
ln -sf /run/systemd/resolve/stub-resolv.conf "$ROOT/etc/resolv.conf"
for u in "${BOX_MASKED_UNITS[@]}"; do in_root systemctl mask --quiet "$u"; done
for u in "${BOX_DISABLED_UNITS[@]}"; do
  if [ -n "$(in_root systemctl list-unit-files --no-legend "$u" 2>/dev/null)" ]; then
    in_root systemctl disable --quiet "$u"
  fi
done

# the vagrant user: password vagrant, passwordless sudo, Vagrant's insecure key
in_root useradd -m -s /bin/bash -G sudo vagrant
echo 'vagrant:vagrant' | in_root chpasswd
install -d -m 700 -o 1000 -g 1000 "$ROOT/home/vagrant/.ssh"
install -m 600 -o 1000 -g 1000 "$PUBKEY" "$ROOT/home/vagrant/.ssh/authorized_keys"
echo 'vagrant ALL=(ALL) NOPASSWD:ALL' > "$ROOT/etc/sudoers.d/vagrant"
chmod 440 "$ROOT/etc/sudoers.d/vagrant"
# no reverse DNS lookups (there is no resolver in the CI netns): faster logins
printf 'UseDNS no\nGSSAPIAuthentication no\n' > "$ROOT/etc/ssh/sshd_config.d/ci-box.conf"
# each clone gets its own machine-id (and so its own DHCP client id) on first boot
: > "$ROOT/etc/machine-id"
rm -f "$ROOT/var/lib/dbus/machine-id"
ln -s /etc/machine-id "$ROOT/var/lib/dbus/machine-id"
# The ssh host keys made at build time are shared by every clone of this box. That is fine
# for a CI-only box reachable only inside the job's network namespace, and it saves the key
# generation (seconds under TCG) on every first boot.
# smaller image: no apt lists or .debs (the box is rebuilt, never apt-upgraded)
in_root apt-get clean
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/log/*.log "$ROOT"/var/log/apt/*
stamp "guest configured"

# ---- 3. raw disk: one MBR partition, ext4 labelled rootfs, GRUB for BIOS (i386-pc).
# GRUB is put together by hand (grub-mkimage + dd) instead of grub-install: on this kernel
# grub-install cannot map a loop partition to a GRUB drive ("cannot find a GRUB drive for
# /dev/loop0p1"), and nothing here needs probing: core.img goes in the gap after the MBR and
# finds its modules and grub.cfg on the first partition.
CMDLINE="root=LABEL=rootfs ro console=ttyS0,115200 net.ifnames=0 biosdevname=0 quiet"
GRUB_LIB=/usr/lib/grub/i386-pc
truncate -s "$DISK_SIZE" "$RAW"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$RAW"
LOOP=$(losetup --show -f -P "$RAW")
# this kernel does not always create the partition device for -P: add it by hand
[ -b "${LOOP}p1" ] || partx -a "$LOOP"
for _ in $(seq 50); do [ -b "${LOOP}p1" ] && break; sleep 0.1; done
mkfs.ext4 -q -L rootfs "${LOOP}p1"
mount "${LOOP}p1" "$MNT"
cp -a "$ROOT"/. "$MNT"/
mkdir -p "$MNT/boot/grub/i386-pc"
cp "$GRUB_LIB"/*.mod "$GRUB_LIB"/*.lst "$MNT/boot/grub/i386-pc/"
cat > "$MNT/boot/grub/grub.cfg" <<EOF
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry 'Debian GNU/Linux 12 (Chaos Lab CI)' {
  search --no-floppy --label --set=root rootfs
  linux /vmlinuz $CMDLINE
  initrd /initrd.img
}
EOF
fstrim "$MNT" 2>/dev/null || true
used=$(df -h --output=used "$MNT" | tail -1 | tr -d ' ')
umount "$MNT"
losetup -d "$LOOP"; LOOP=
rm -rf "$ROOT"
# boot.img: the MBR's first 440 bytes (the partition table stays); core.img from sector 1
grub-mkimage -O i386-pc -d "$GRUB_LIB" -o "$BUILD/core.img" -p '(hd0,msdos1)/boot/grub' \
  biosdisk part_msdos ext2
dd if="$GRUB_LIB/boot.img" of="$RAW" bs=440 count=1 conv=notrunc status=none
dd if="$BUILD/core.img" of="$RAW" bs=512 seek=1 conv=notrunc status=none
stamp "raw disk done ($used used of $DISK_SIZE)"

# ---- 4. qcow2 and the box. zstd-compressed clusters: 2.7 GB of data becomes ~0.9 GB for
# ~20 s more build time, which `vagrant box add` (tar extraction) and vagrant-libvirt's volume
# upload win back on every run; QEMU decompresses on the host side, outside the emulation.
qemu-img convert -f raw -O qcow2 -c -o compression_type=zstd "$RAW" "$TMP_OUT/box.img"
rm -f "$RAW"
vsize=$(qemu-img info --output=json "$TMP_OUT/box.img" | sed -n 's/.*"virtual-size": *\([0-9]*\).*/\1/p')
printf '{"provider":"libvirt","format":"qcow2","virtual_size":%d}\n' \
  $((vsize / 1024 / 1024 / 1024)) > "$TMP_OUT/metadata.json"
cp "$BOX_VAGRANTFILE" "$TMP_OUT/Vagrantfile"
tar -C "$TMP_OUT" -cSf "$TMP_OUT/$BOX_NAME" metadata.json Vagrantfile box.img
rm -f "$TMP_OUT/box.img" "$TMP_OUT/metadata.json" "$TMP_OUT/Vagrantfile"
since "$t0" | cut -d. -f1 > "$TMP_OUT/build-seconds"
echo "$KEY" > "$TMP_OUT/key"
rm -rf "$OUT"
mv "$TMP_OUT" "$OUT"
# keep this box and the one before it (another branch may still use it); drop older ones
ls -dt "$CACHE"/box-* 2>/dev/null | tail -n +3 | xargs -r rm -rf
stamp "box done: $(du -h "$OUT/$BOX_NAME" | cut -f1)"
echo "$OUT/$BOX_NAME"
