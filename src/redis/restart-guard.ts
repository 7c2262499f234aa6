// A restart with a new redis.conf that fails is rolled back by the run that made it: the file the
// marker names (the last one the node ran with) goes back, and the node restarts with it. If that
// run dies first (the controller killed, its connection cut), the node would stay down until the
// next run. The guard closes that gap on the host itself: armed right before the restart, it
// waits, detached from the run's session, until the run's connection to the host is gone; then,
// if the restart is still owed (the marker is there, naming the same file), no other run holds
// the group's lock, and the server has not been running for 10 s, it puts the named file back and
// restarts the service. A run that finishes (or rolls back) removes the marker first, so the
// guard then exits without doing anything. Needs only sh, coreutils and /proc on the host.
import { shq } from "../connection/quote.js";
import { LocalConnection } from "../connection/local.js";
import type { BecomeOptions, Connection } from "../connection/types.js";

/**
 * The owner file of the lock redis_lock takes by default, watched when the arming run holds no
 * lock (else the one it holds): a run holding it, other than the one that armed the guard, is left
 * to do the job.
 */
const LOCK_OWNER = "/run/redplay/lock/owner";

/** Seconds the server must stay down once the run is gone before the guard restores the file. */
export const GUARD_DOWN_S = 10;

// Runs detached: $1 pid to outlive, $2 marker, $3 dest, $4 restart command, $5 status command,
// $6 lock owner file, $7 the marker's content when armed, $8 the lock owner when armed.
const WATCH = `w=$1 marker=$2 dest=$3 restart=$4 status=$5 lock=$6 token=$7 owner=$8
trap '' HUP PIPE
while [ -d "/proc/$w" ]; do sleep 1; done
i=0
while [ "$i" -lt ${GUARD_DOWN_S} ]; do
  [ -f "$marker" ] || exit 0
  [ "$(cat -- "$marker" 2>/dev/null)" = "$token" ] || exit 0
  now=$(cat -- "$lock" 2>/dev/null)
  [ -z "$now" ] || [ "$now" = "$owner" ] || exit 0
  sh -c "$status" >/dev/null 2>&1 && exit 0
  sleep 1
  i=$((i + 1))
done
[ -n "$token" ] && [ -f "$token" ] || exit 0
t=$(mktemp "$dest.XXXXXX") || exit 0
if cp -p -- "$token" "$t" && mv -f -- "$t" "$dest"; then
  sh -c "$restart" >/dev/null 2>&1 && rm -f -- "$marker"
else
  rm -f -- "$t"
fi
`;

// Arms the guard: finds what to outlive ($1 "sshd": the sshd process of this connection, found
// up the process tree; else a pid), reads the marker and the lock owner, starts WATCH detached.
const ARM = `target=$1 marker=$2 dest=$3 restart=$4 status=$5 lock=$6
w=
if [ "$target" = sshd ]; then
  p=$$
  while [ "$p" -gt 1 ]; do
    c=
    read -r c < "/proc/$p/comm" 2>/dev/null || break
    case $c in sshd|sshd-session) w=$p; break ;; esac
    l=
    read -r l < "/proc/$p/stat" 2>/dev/null || break
    l=\${l##*) }
    p=\${l#* }
    p=\${p%% *}
  done
else
  w=$target
fi
[ -n "$w" ] && [ -d "/proc/$w" ] || exit 0
[ -f "$marker" ] || exit 0
token=$(cat -- "$marker")
owner=$(cat -- "$lock" 2>/dev/null)
if command -v setsid >/dev/null 2>&1; then d=setsid; else d=; fi
$d sh -c '${WATCH.replace(/'/g, `'"'"'`)}' redplay-restart-guard "$w" "$marker" "$dest" "$restart" "$status" "$lock" "$token" "$owner" </dev/null >/dev/null 2>&1 &
exit 0
`;

/** How the guard restarts the service and tells whether it runs, per init system. */
export function guardCommands(init: "systemd" | "service" | "initd", service: string): { restart: string; status: string } {
  const s = shq(service);
  // A unit starting (Type=notify while the data loads) counts as running; one cycling through
  // Restart=always after failed starts (SubState auto-restart) does not.
  if (init === "systemd") {
    return { restart: `systemctl restart ${s}`, status: `case $(systemctl show -p SubState --value ${s}) in running|start|start-pre|start-post|reload) exit 0 ;; *) exit 1 ;; esac` };
  }
  if (init === "service") return { restart: `service ${s} restart`, status: `service ${s} status` };
  return { restart: `/etc/init.d/${s} restart`, status: `/etc/init.d/${s} status` };
}

/** The command that arms the guard (exported for tests). */
export function armCommand(target: string, marker: string, dest: string, cmds: { restart: string; status: string }, lock = LOCK_OWNER): string {
  return `sh -c ${shq(ARM)} redplay-restart-guard ${[target, marker, dest, cmds.restart, cmds.status, lock].map(shq).join(" ")}`;
}

/**
 * Arms the guard for a restart of `service` with `dest`, whose marker names the file to go back
 * to. Over SSH it outlives the connection's sshd process; on a local connection, this controller.
 * Best effort: a guard that cannot be armed leaves the run's own rollback, as before.
 */
export async function armRestartGuard(
  conn: Connection,
  become: BecomeOptions,
  opts: { marker: string; dest: string; service: string; init: "systemd" | "service" | "initd"; lock?: string },
): Promise<void> {
  const target = conn instanceof LocalConnection ? String(process.pid) : "sshd";
  try {
    await conn.exec(armCommand(target, opts.marker, opts.dest, guardCommands(opts.init, opts.service), opts.lock), { become });
  } catch {
    // the restart goes on; only the host-side rollback is missing
  }
}
