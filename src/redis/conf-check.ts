// A redis.conf checked by the server binary itself, before it replaces the node's file: the
// binary starts on a copy of the new file with everything that touches the real node overridden,
// and is killed as soon as it says it is ready (or it exits with `*** FATAL CONFIG FILE ERROR`).
// It runs as a `validate` command of the template/copy modules, so it must work on a host that
// has only the server binary, sh and coreutils (grep, where the host has it, only speeds the
// copy up), one fork per poll.
//
// What the checked copy changes, and why (verified against src/config.c of Redis 5.0 to 7.4 and
// Valkey 7.2 and 8.0):
// - `replicaof`/`slaveof` lines become comments: a replica would connect to its primary and ask
//   for a full sync. An override on the command line cannot replace this on every version (5.0
//   reads `replicaof no one` as host "no", port 0).
// - `logfile` lines become comments: 5.0 and 6.x open the log file while parsing (creating it,
//   as the checking user, where the real server later must write); the check logs to stdout.
//   The path itself is checked: its directory must exist, and it must not be a directory.
// - `dir` lines become comments: `dir` is a chdir while parsing, and the check runs in its own
//   empty temp dir. The path itself must be an existing directory (whether the server's user may
//   write there, or to the log, is not checked: the check runs as the connecting user).
// - `aclfile` lines become comments: the ACL file may not be written yet; redis_config loads it
//   with ACL LOAD, which refuses a bad file and keeps the users the server has.
// - `tls-port` lines become `tls-port 0`: no listener, and `tls-replication` lines `tls-replication
//   no`: with neither, the server does not load its certificate and key, which are checked by
//   redplay when it issues them (and, with --check, may not be on the node yet). An `include` line is refused, since the
//   included file could hold a `replicaof` the copy cannot neutralise.
// Lines are replaced, never removed, so a FATAL error names the line number of the real file.
// The command line then adds: no TCP port (a unix socket in the temp dir instead: a server that
// listens nowhere exits), `--daemonize no`, `--supervised no`, pidfile in the temp dir, no
// AOF/RDB, no syslog, and `loglevel notice` (the ready line is a notice). The server quotes a
// rejected line (`>>> '...'`, in its FATAL block or, on Redis 8, in its log); the value of a
// credential-looking directive (a password, auth or user, misspelt ones included) is hidden.

import { shq } from "../connection/quote.js";

/** Exit code of the check for a file the server rejected (2 means the check itself could not run). */
export const CONF_CHECK_REJECTED = 1;

/** Seconds the checked server may take to report ready before the check fails. */
export const CONF_CHECK_TIMEOUT_S = 20;

// `%` and `s` are never adjacent in this text: `validate` replaces every %s of the command with
// the temp file's path, so the printf format is assembled at run time ($S). The text is a plain
// template literal: `\${` and `\\` below are `${` and `\` in the script.
export const CONF_CHECK_SCRIPT = `set -u
bin=$1 limit=$2 conf=$3
S=%
S=$S's\\n'
sp=' \t'
q='"'"'"
say() { printf "$S" "redplay conf check: $*"; }
if ! command -v "$bin" >/dev/null 2>&1; then say "server binary $bin not found"; exit 2; fi
if [ ! -r "$conf" ]; then say "cannot read $conf"; exit 2; fi
# A check's dir outlives it only when the host died mid-check (or the shell was SIGKILLed): those
# older than any check can run are removed here.
find "\${TMPDIR:-/tmp}" -maxdepth 1 -name 'redplay-conf-check.*' -type d -mmin +10 -exec rm -rf {} + 2>/dev/null
tmp=$(mktemp -d "\${TMPDIR:-/tmp}/redplay-conf-check.XXXXXX") || { say "mktemp failed"; exit 2; }
spid=
jpid=
logf=
datadir=
cleanup() {
  if [ -n "$spid" ] && [ ! -e "$tmp/rc" ]; then kill -KILL "$spid" 2>/dev/null; fi
  if [ -n "$jpid" ]; then wait "$jpid" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# One line of the file, as the checked copy has it.
copy() {
  line=$1
  t=\${line#"\${line%%[!$sp]*}"}
  t=\${t#[$q]}
  case $t in
    [Rr][Ee][Pp][Ll][Ii][Cc][Aa][Oo][Ff][$sp$q]*|[Ss][Ll][Aa][Vv][Ee][Oo][Ff][$sp$q]*)
      printf "$S" "# redplay conf check: replicaof left out (no replication connection)" ;;
    [Ll][Oo][Gg][Ff][Ii][Ll][Ee][$sp$q]*)
      logf=\${t#[Ll][Oo][Gg][Ff][Ii][Ll][Ee]}
      printf "$S" "# redplay conf check: logfile left out (the check logs to stdout)" ;;
    [Dd][Ii][Rr][$sp$q]*)
      datadir=\${t#[Dd][Ii][Rr]}
      printf "$S" "# redplay conf check: dir left out (the check runs in an empty temp dir)" ;;
    [Aa][Cc][Ll][Ff][Ii][Ll][Ee][$sp$q]*)
      printf "$S" "# redplay conf check: aclfile left out (the users are loaded with ACL LOAD, which keeps the old ones on an error)" ;;
    [Tt][Ll][Ss]-[Pp][Oo][Rr][Tt][$sp$q]*)
      printf "$S" "tls-port 0" ;;
    [Tt][Ll][Ss]-[Rr][Ee][Pp][Ll][Ii][Cc][Aa][Tt][Ii][Oo][Nn][$sp$q]*)
      printf "$S" "tls-replication no" ;;
    [Cc][Ll][Uu][Ss][Tt][Ee][Rr]-[Ee][Nn][Aa][Bb][Ll][Ee][Dd][$sp$q]*)
      printf "$S" "cluster-enabled no" ;;
    [Ii][Nn][Cc][Ll][Uu][Dd][Ee][$sp$q]*)
      say "the file includes another file, which this check cannot neutralise (replicaof, logfile, dir): not checked" >&2
      exit 2 ;;
    *) printf "$S" "$line" ;;
  esac
}
# The shell reads a byte per system call: where grep is there, comment and blank lines (most of a
# stock redis.conf) stay out of the loop, each an empty line of the copy, so line numbers hold.
if command -v grep >/dev/null 2>&1; then
  grep -n -v -e "^[$sp]*#" -e "^[$sp]*\\$" "$conf" >"$tmp/lines"
  [ $? -le 1 ] || exit 2
  n=0
  while IFS= read -r numbered; do
    k=\${numbered%%:*}
    while [ "$n" -lt $((k - 1)) ]; do echo; n=$((n + 1)); done
    copy "\${numbered#*:}"
    n=$k
  done <"$tmp/lines" >"$tmp/redis.conf" || exit 2
else
  while IFS= read -r line || [ -n "$line" ]; do copy "$line"; done <"$conf" >"$tmp/redis.conf" || exit 2
fi
# The last logfile and dir lines win, as in the server. Their paths are checked here, since the
# checked copy leaves them out: a log file the server cannot open, or a dir it cannot enter,
# stops the real server at start (an absolute path is checked; a relative one depends on where
# the server starts).
unq() { v=\${1#"\${1%%[!$sp$q]*}"}; v=\${v%"\${v##*[!$sp$q]}"}; }
unq "$datadir"; datadir=$v
unq "$logf"; logf=$v
case $datadir in
  /*) if [ ! -d "$datadir" ]; then say "dir $datadir: no such directory (the server could not start)"; exit ${CONF_CHECK_REJECTED}; fi ;;
esac
case $logf in
  /*)
    logdir=\${logf%/*}
    if [ -d "$logf" ]; then say "logfile $logf: is a directory (the server could not open its log and would not start)"; exit ${CONF_CHECK_REJECTED}; fi
    if [ ! -d "\${logdir:-/}" ]; then say "logfile $logf: no such directory $logdir (the server could not open its log and would not start)"; exit ${CONF_CHECK_REJECTED}; fi ;;
esac
unset NOTIFY_SOCKET
(
  "$bin" "$tmp/redis.conf" --port 0 --unixsocket "$tmp/s" --unixsocketperm 700 --dir "$tmp" \\
    --daemonize no --supervised no --pidfile "$tmp/pid" --appendonly no --save '' \\
    --syslog-enabled no --loglevel notice </dev/null >"$tmp/out" 2>&1 &
  echo $! >"$tmp/spid"
  wait $!
  echo $? >"$tmp/rc"
) 2>/dev/null &
jpid=$!
i=0
ready=
while :; do
  if [ -z "$spid" ] && [ -s "$tmp/spid" ]; then read -r spid <"$tmp/spid"; fi
  out=$(cat "$tmp/out" 2>/dev/null)
  case $out in *"Ready to accept connections"*|*"ready to accept connections"*) ready=1; break ;; esac
  if [ -e "$tmp/rc" ]; then break; fi
  i=$((i + 1))
  # Every 10 ms for the first half second (a server is ready in a few ms), then every 50 ms.
  if [ "$i" -le 50 ]; then sleep 0.01; continue; fi
  if [ "$i" -gt $((40 + limit * 20)) ]; then break; fi
  sleep 0.05
done
if [ -z "$spid" ] && [ -s "$tmp/spid" ]; then read -r spid <"$tmp/spid"; fi
# SIGKILL: the checked server holds nothing (no AOF, no RDB, its files in the temp dir), and one
# stopped by SIGTERM would exit only at its next cron tick (up to 100 ms at the default hz).
if [ -n "$spid" ] && [ ! -e "$tmp/rc" ]; then kill -KILL "$spid" 2>/dev/null; fi
wait "$jpid" 2>/dev/null
jpid=
spid=
[ -n "$ready" ] && exit 0
if [ -e "$tmp/rc" ]; then
  read -r rc <"$tmp/rc"
  say "$bin rejected the file (exit $rc):"
else
  say "$bin did not report ready within $limit s:"
fi
tail -n 25 "$tmp/out" | while IFS= read -r l; do
  case $l in
    *">>> '"*)
      head=\${l%%">>> '"*}
      rest=\${l#*">>> '"}
      word=\${rest%%[$sp]*}
      case $(printf "$S" "$word" | tr '[:upper:]' '[:lower:]') in
        *pas*|*auth*|user|*-user|*user)
          printf "$S" "$head>>> '$word (value hidden)'" ;;
        *) printf "$S" "$l" ;;
      esac ;;
    *) printf "$S" "$l" ;;
  esac
done
exit ${CONF_CHECK_REJECTED}
`;

/**
 * The command that checks a redis.conf with `binary`, given the file as its last argument; a
 * playbook writes `validate: "{{redis_conf_check redis_server}} %s"`.
 */
export function confCheckCommand(binary: string, timeoutS: number = CONF_CHECK_TIMEOUT_S): string {
  return `sh -c ${shq(CONF_CHECK_SCRIPT)} redplay-conf-check ${shq(binary)} ${Math.max(1, Math.round(timeoutS))}`;
}

/**
 * The validate command for a server that is not installed yet (`--check` on a bare host, where
 * the install is only planned): nothing can check the file, so it passes without a check.
 */
export function uncheckedCommand(binary: string): string {
  return `sh -c ${shq(": not checked: the server is not installed yet")} redplay-conf-check ${shq(binary)}`;
}
