#!/usr/bin/env bash
# Installs what Winnow needs on this machine, and only what is missing.
#   eng/setup.sh            native runtime for TorchSharp (needed by every command)
#   eng/setup.sh --data     also the Fashion-MNIST files the default run trains on
#   eng/setup.sh --slurm    also a single-node Slurm cluster on this machine for the Slurm test (slurm-wlm and munge from Debian,
#                           daemons on the loopback address, its own configuration in $WINNOW_SLURM_HOME, /var/lib/winnow-slurm by
#                           default, never /etc/slurm); its last line is "slurm: ready <slurm.conf>" or "slurm: unavailable: <why>"
# Where something cannot be installed (no root, not Debian), it says what is missing and how to get it.
set -euo pipefail

want_data=0
want_slurm=0
for arg in "$@"; do
  case "$arg" in
    --data) want_data=1 ;;
    --slurm) want_slurm=1 ;;
    *) echo "setup: unknown argument '$arg' (expected --data or --slurm)" >&2; exit 2 ;;
  esac
done

FASHION_DIR=/usr/share/datasets/fashion-mnist
say() { echo "setup: $*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else return 127; fi
}

APT_LOG=${TMPDIR:-/tmp}/winnow-setup-apt.log
# apt's own chatter goes to a log; on failure its tail is shown.
apt_quiet() {
  if ! DEBIAN_FRONTEND=noninteractive as_root "$@" >>"$APT_LOG" 2>&1; then
    say "'$*' failed; the last lines of $APT_LOG:"
    tail -n 20 "$APT_LOG" >&2
    return 1
  fi
}
apt_updated=0
apt_update_once() {
  if [ "$apt_updated" -eq 0 ]; then
    apt_quiet apt-get update
    apt_updated=1
  fi
}

is_debian() { [ -r /etc/os-release ] && grep -qE '^ID=debian' /etc/os-release; }

# 1. .NET SDK 10 -----------------------------------------------------------------------------
if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks 2>/dev/null | grep -qE '^(10|[1-9][1-9])\.'; then
  say "the .NET SDK 10 (or newer) is required and was not found."
  say "install it from https://dot.net (Linux: the dotnet-install script or your distribution's dotnet-sdk-10.0 package), then run this command again."
  exit 3
fi

# 2. libstdc++ with GLIBCXX_3.4.32 (TorchSharp's native library needs GCC 13's runtime) --------
libstdcxx_ok() {
  [ "$(uname -s)" != Linux ] && return 0
  local lib
  lib=$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')
  [ -n "$lib" ] || lib=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
  [ -r "$lib" ] && grep -aq 'GLIBCXX_3\.4\.32' "$lib"
}

# The Debian mirror this machine already uses, so no package host is named here.
debian_mirror() {
  local uri=""
  if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
    uri=$(awk '/^URIs:/ {print $2}' /etc/apt/sources.list.d/*.sources | grep -v -- '-security' | grep -i debian | head -n1)
  fi
  if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" {print $2}' /etc/apt/sources.list | grep -v -- '-security' | grep -i debian | head -n1)
  fi
  echo "$uri"
}

if ! libstdcxx_ok; then
  say "TorchSharp's native library needs libstdc++ with GLIBCXX_3.4.32 (GCC 13 or newer); this machine's is older."
  if is_debian && as_root true 2>/dev/null; then
    mirror=$(debian_mirror)
    if [ -z "$mirror" ]; then
      say "could not find this machine's Debian mirror in /etc/apt/sources.list(.d); add Debian 13 (trixie) as a source and run: apt-get install -t trixie libstdc++6"
      exit 4
    fi
    say "installing libstdc++6 from Debian 13 (trixie, pinned to priority 100 so nothing else moves unasked), mirror $mirror"
    as_root tee /etc/apt/sources.list.d/winnow-trixie.sources >/dev/null <<SRC
Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    as_root tee /etc/apt/preferences.d/winnow-trixie >/dev/null <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
    apt_updated=0
    apt_update_once
    apt_quiet apt-get install -y -t trixie libstdc++6
    libstdcxx_ok || { say "libstdc++6 was installed but still lacks GLIBCXX_3.4.32"; exit 4; }
    say "libstdc++ is now new enough."
  else
    say "install a libstdc++ from GCC 13 or newer (Ubuntu 24.04+, Debian 13+ have it); on Debian 12 as root:"
    say "  add Debian 13 (trixie) as an apt source pinned to priority 100, then apt-get install -t trixie libstdc++6"
    exit 4
  fi
fi

# 3. Fashion-MNIST (only for the real run) ---------------------------------------------------
if [ "$want_data" -eq 1 ] && [ ! -r "$FASHION_DIR/train-images-idx3-ubyte.gz" ]; then
  if is_debian && as_root true 2>/dev/null; then
    say "installing Fashion-MNIST (Debian package dataset-fashion-mnist) into $FASHION_DIR"
    apt_update_once
    apt_quiet apt-get install -y dataset-fashion-mnist
  else
    say "Fashion-MNIST is missing from $FASHION_DIR."
    say "install the Debian/Ubuntu package dataset-fashion-mnist, or put the four IDX files"
    say "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)"
    say "in a folder and set Dataset:Options:Path to it (appsettings.json or --Dataset:Options:Path=...)."
    exit 5
  fi
fi
# 4. A font for the plots of sweeps and reports (SkiaSharp, under ScottPlot, draws text with a system font) ----------
has_font() { ls /usr/share/fonts/truetype/dejavu/*.ttf >/dev/null 2>&1 || { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list 2>/dev/null | head -n1)" ]; }; }
if [ "$(uname -s)" = Linux ] && ! has_font; then
  if is_debian && as_root true 2>/dev/null; then
    say "installing a font for the report plots (Debian package fonts-dejavu-core)"
    apt_update_once
    apt_quiet apt-get install -y fonts-dejavu-core || say "fonts-dejavu-core could not be installed; plots will be written without readable text"
  else
    say "no font found: the plots of winnow sweep/report need one (install fonts-dejavu-core or any TrueType font); training is not affected"
  fi
fi

# 5. A single-node Slurm cluster (only for the Slurm test) ---------------------------------------------------------
if [ "$want_slurm" -eq 1 ]; then
  SLURM_HOME=${WINNOW_SLURM_HOME:-/var/lib/winnow-slurm}
  unavailable() { echo "slurm: unavailable: $*"; exit 0; }
  if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1 || ! command -v sbatch >/dev/null 2>&1; then
    is_debian || unavailable "Slurm is not installed and this is not Debian: install slurm-wlm and munge"
    as_root true 2>/dev/null || unavailable "Slurm is not installed and installing it needs root (apt-get install slurm-wlm munge)"
    say "installing Slurm and munge (Debian packages slurm-wlm, munge) for the single-node Slurm test"
    apt_update_once || unavailable "apt-get update failed (see $APT_LOG)"
    apt_quiet apt-get install -y --no-install-recommends slurm-wlm munge || unavailable "apt-get install slurm-wlm munge failed (see $APT_LOG)"
  fi
  as_root true 2>/dev/null || unavailable "starting munged, slurmctld and slurmd needs root"
  as_root mkdir -p "$SLURM_HOME/state" "$SLURM_HOME/spool" /run/munge /var/log/munge /var/lib/munge
  # munge: a key if the package made none, and the daemon unless one answers already.
  if [ ! -s /etc/munge/munge.key ]; then
    as_root mkdir -p /etc/munge
    as_root dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  if id munge >/dev/null 2>&1; then
    as_root chown munge:munge /etc/munge /etc/munge/munge.key /run/munge /var/log/munge /var/lib/munge
  fi
  as_root chmod 0400 /etc/munge/munge.key
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    if id munge >/dev/null 2>&1; then as_root runuser -u munge -- /usr/sbin/munged || unavailable "munged did not start"
    else as_root /usr/sbin/munged --force || unavailable "munged did not start"; fi
    sleep 1
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || unavailable "munged runs but does not answer (munge -n | unmunge)"
  fi
  conf="$SLURM_HOME/slurm.conf"
  host=$(hostname -s)
  node=$(slurmd -C 2>/dev/null | head -n 1 | sed -e 's/ UpTime=.*//' -e 's/RealMemory=[0-9]*//')
  [ -n "$node" ] || unavailable "slurmd -C could not describe this machine"
  memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  cat > "$conf.new" <<CONF
# A single-node Slurm cluster for Winnow's Slurm test, written by eng/setup.sh --slurm. Not /etc/slurm: clients find it by SLURM_CONF.
ClusterName=winnow
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$SLURM_HOME/state
SlurmdSpoolDir=$SLURM_HOME/spool
SlurmctldPidFile=$SLURM_HOME/slurmctld.pid
SlurmdPidFile=$SLURM_HOME/slurmd.pid
SlurmctldLogFile=$SLURM_HOME/slurmctld.log
SlurmdLogFile=$SLURM_HOME/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
JobRequeue=1
MinJobAge=600
$node NodeAddr=127.0.0.1 RealMemory=$memory State=UNKNOWN
PartitionName=winnow Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  changed=1
  if [ -f "$conf" ] && cmp -s "$conf" "$conf.new"; then changed=0; rm -f "$conf.new"; else mv "$conf.new" "$conf"; fi
  export SLURM_CONF="$conf"
  # A pid file left from before a reboot may name another process now: the process must also have the daemon's name.
  running() { [ -f "$1" ] && [ "$(cat "/proc/$(cat "$1")/comm" 2>/dev/null)" = "$(basename "$1" .pid)" ]; }
  if [ "$changed" -eq 1 ]; then
    running "$SLURM_HOME/slurmd.pid" && as_root kill "$(cat "$SLURM_HOME/slurmd.pid")"
    running "$SLURM_HOME/slurmctld.pid" && as_root kill "$(cat "$SLURM_HOME/slurmctld.pid")"
    sleep 1
  fi
  if ! running "$SLURM_HOME/slurmctld.pid"; then
    say "starting slurmctld (single node, loopback, $conf)"
    as_root env SLURM_CONF="$conf" slurmctld -f "$conf" || unavailable "slurmctld did not start (see $SLURM_HOME/slurmctld.log)"
  fi
  if ! running "$SLURM_HOME/slurmd.pid"; then
    say "starting slurmd"
    as_root env SLURM_CONF="$conf" slurmd -f "$conf" || unavailable "slurmd did not start (see $SLURM_HOME/slurmd.log)"
  fi
  for _ in $(seq 1 30); do
    state=$(sinfo -h -N -o %T 2>/dev/null | head -n 1)
    case "$state" in idle*|mixed*|allocated*) echo "slurm: ready $conf"; exit 0 ;; esac
    case "$state" in down*|drain*) as_root env SLURM_CONF="$conf" scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;; esac
    sleep 1
  done
  unavailable "the node did not come up within 30 s (sinfo says '${state:-nothing}'; see $SLURM_HOME/slurmctld.log and slurmd.log)"
fi
exit 0
