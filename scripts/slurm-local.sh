#!/usr/bin/env bash
# A one-node SLURM cluster on loopback, for tests and for trying `reproduce --executor slurm`.
#
#   scripts/slurm-local.sh up     start munged, slurmctld and slurmd (idempotent)
#   scripts/slurm-local.sh down   stop them (by their pid files only); `stop` is the same
#   scripts/slurm-local.sh status exit 0 when all three run, 1 (naming those that do not) otherwise
#   scripts/slurm-local.sh env    print the `export SLURM_CONF=...` line for this cluster
#
# Runs as root (SlurmUser=root). Needs Debian's slurm-wlm and munge packages (installed by .ci/run;
# this script never installs anything). Everything the
# daemons write (config, state, spool, logs, pid files, munge socket) lives under
# $SLURM_LOCAL_DIR (default /tmp/amr-slurm-local); nothing under /etc is changed. Clients find
# the cluster through SLURM_CONF (see `env`). There is no accounting database: `sacct` fails,
# which the executor must (and does) survive.
set -euo pipefail

DIR="${SLURM_LOCAL_DIR:-/tmp/amr-slurm-local}"
CPUS="${SLURM_LOCAL_CPUS:-$(nproc)}"
MEM_MB="${SLURM_LOCAL_MEM_MB:-20000}"
HOST="$(hostname -s)"
CONF="$DIR/slurm.conf"
SOCKET="$DIR/munge/munge.socket"

die() {
  echo "slurm-local: $*" >&2
  exit 1
}

alive() { # pid file -> 0 when its process runs
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

stop_pidfile() { # name pidfile
  local name="$1" pidfile="$2" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "slurm-local: stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}

write_conf() {
  cat >"$CONF" <<EOF
ClusterName=amrlocal
SlurmctldHost=${HOST}(127.0.0.1)
SlurmUser=root
SlurmctldPort=${SLURM_LOCAL_CTLD_PORT:-6817}
SlurmdPort=${SLURM_LOCAL_SLURMD_PORT:-6818}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${SOCKET}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
StateSaveLocation=${DIR}/state
SlurmdSpoolDir=${DIR}/spool
SlurmctldPidFile=${DIR}/run/slurmctld.pid
SlurmdPidFile=${DIR}/run/slurmd.pid
SlurmctldLogFile=${DIR}/log/slurmctld.log
SlurmdLogFile=${DIR}/log/slurmd.log
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MinJobAge=30
KillWait=5
InactiveLimit=0
NodeName=${HOST} NodeAddr=127.0.0.1 CPUs=${CPUS} RealMemory=${MEM_MB} State=UNKNOWN
PartitionName=debug Nodes=${HOST} Default=YES MaxTime=INFINITE State=UP
EOF
}

up() {
  [ "$(id -u)" = 0 ] || die "must run as root (SlurmUser=root)"
  for b in munged slurmctld slurmd sinfo; do
    command -v "$b" >/dev/null 2>&1 || die "$b not found: apt-get install -y slurm-wlm munge"
  done
  mkdir -p "$DIR"/{state,spool,run,log,munge}
  chmod 700 "$DIR/munge"
  write_conf
  export SLURM_CONF="$CONF"
  if ! alive "$DIR/run/munged.pid"; then
    munged --force --socket="$SOCKET" --pid-file="$DIR/run/munged.pid" \
      --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed"
  fi
  alive "$DIR/run/slurmctld.pid" || slurmctld
  alive "$DIR/run/slurmd.pid" || slurmd
  for _ in $(seq 100); do
    if sinfo -h -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then
      echo "slurm-local: up ($HOST, $CPUS CPUs); export SLURM_CONF=$CONF"
      return 0
    fi
    sleep 0.2
  done
  sinfo >&2 || true
  die "the node did not become idle; see $DIR/log/"
}

down() {
  export SLURM_CONF="$CONF"
  stop_pidfile slurmd "$DIR/run/slurmd.pid"
  stop_pidfile slurmctld "$DIR/run/slurmctld.pid"
  stop_pidfile munged "$DIR/run/munged.pid"
}

status() {
  local down=()
  for d in munged slurmctld slurmd; do alive "$DIR/run/$d.pid" || down+=("$d"); done
  if [ ${#down[@]} -eq 0 ]; then
    echo "slurm-local: running ($DIR)"
  else
    echo "slurm-local: not running: ${down[*]} ($DIR)"
    return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down | stop) down ;;
  status) status ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) die "usage: $0 up|down|stop|status|env" ;;
esac
