// An ACL file as the host's own server reads it. The server rewrites every user's rules into its
// own canonical form (ACL LIST: `+@all -@dangerous` and `-@all +@read` may list the same way or
// not, categories expand with the version), so whether the running users still are the file's,
// command rules included, can only be told by the same server reading the same file. A throwaway
// server is started on a copy of the file, as the login user, in a private temp dir: no TCP port
// (a unix socket, 0700, reached through OpenSSH's streamlocal forwarding), no persistence, killed
// right after one ACL LIST (and by a watchdog after 20 s if the run dies first). Nothing of the node
// is touched, so --check does it too. redplay logs in to it as its own user, whose password goes
// over the SSH channel only.
import { shq } from "../connection/quote.js";
import type { TaskContext } from "../modules/types.js";
import { withStreamClient } from "./client.js";
import { parseConf } from "./conf-parse.js";

/**
 * In one round trip: makes the private dir (printed first), writes stdin (the ACL file) into it,
 * starts the throwaway server in the background and waits for its socket; exit 0 once it listens.
 */
const START_SCRIPT = `set -u
bin=$1 pubsub=$2
dir=$(mktemp -d "\${TMPDIR:-/tmp}/redplay-acl-check.XXXXXX") || exit 2
echo "$dir"
(umask 077; cat > "$dir/users.acl") || exit 2
set -- --port 0 --unixsocket "$dir/s" --unixsocketperm 700 --aclfile "$dir/users.acl" --dir "$dir" --save "" --appendonly no --daemonize no --logfile "$dir/log" --loglevel warning
if [ -n "$pubsub" ]; then set -- "$@" --acl-pubsub-default "$pubsub"; fi
"$bin" "$@" </dev/null >/dev/null 2>&1 &
spid=$!
echo "$spid" > "$dir/spid"
( trap 'exit 0' TERM; sleep 20 & wait $!; kill -9 "$spid" 2>/dev/null; rm -rf "$dir" ) </dev/null >/dev/null 2>&1 &
echo "$!" > "$dir/wpid"
i=0
while [ ! -S "$dir/s" ]; do
  if ! kill -0 "$spid" 2>/dev/null; then tail -n 3 "$dir/log" 2>/dev/null; exit 1; fi
  i=$((i + 1))
  if [ "$i" -gt 250 ]; then exit 1; fi
  sleep 0.02
done`;

/**
 * The `user ...` lines the host's server `binary` makes of the ACL file `text` (its ACL LIST), or
 * undefined where that cannot be found out here (no socket forwarding, the binary refusing the
 * file: the run's ACL LOAD reports that). `admin` logs in; `pubsubDefault` is the running
 * server's acl-pubsub-default, which changes how a user without channel rules lists.
 */
export async function canonicalAclList(
  ctx: TaskContext,
  binary: string,
  text: string,
  admin: { user: string; password: string },
  pubsubDefault: string | undefined,
): Promise<string[] | undefined> {
  const conn = await ctx.conn();
  if (!conn.forwardSocket) return undefined;
  const started = await conn.exec(`sh -c ${shq(START_SCRIPT)} redplay-acl-check ${shq(binary)} ${shq(pubsubDefault ?? "")}`, { stdin: text });
  const [first = "", ...said] = started.stdout.split("\n");
  const dir = first.trim();
  if (!dir.startsWith("/")) return undefined;
  try {
    if (started.code !== 0) {
      ctx.log(`${ctx.host}: ${binary} did not read a copy of the ACL file: ${said.join("\n").trim()}`, 2);
      return undefined;
    }
    const list = await withStreamClient(
      () => conn.forwardSocket!(`${dir}/s`),
      async (client) => {
        await client.call("AUTH", admin.user, admin.password);
        return (await client.call("ACL", "LIST")) as string[];
      },
    );
    return list.map(String);
  } catch (e) {
    ctx.log(`${ctx.host}: the ACL file's users as ${binary} reads them could not be listed: ${(e as Error).message}`, 2);
    return undefined;
  } finally {
    // The server, then its watchdog (its `sleep` ends by itself), then the dir.
    await conn.exec(`kill -9 "$(cat ${shq(`${dir}/spid`)} 2>/dev/null)" 2>/dev/null; kill "$(cat ${shq(`${dir}/wpid`)} 2>/dev/null)" 2>/dev/null; rm -rf ${shq(dir)}`).catch(() => undefined);
  }
}

/** One ACL user: its name and its rules, as a `user` line of an ACL file or of `ACL LIST` gives them. */
export interface AclUser {
  name: string;
  rules: string[];
}

/** The users of an ACL file's text, or of `ACL LIST`'s lines. */
export function aclUsers(lines: string | readonly string[]): AclUser[] {
  return parseConf(typeof lines === "string" ? lines : lines.join("\n"))
    .filter((d) => d.name === "user" && d.args[0] !== undefined)
    .map((d) => ({ name: d.args[0]!, rules: d.args.slice(1) }));
}

/**
 * Users whose running `ACL LIST` line differs from the one the same server makes of the file
 * (every rule compared: on/off, passwords, keys, channels, commands), plus users only one side has.
 * The rules are compared as a set: the server lists each command and category at most once,
 * computed from the user's permissions, in an order that follows its own hash tables and so
 * changes from one process to the next (`+psync +replconf +ping` in one, `+replconf +ping +psync`
 * in another).
 */
export function aclListDrift(fromFile: string[], running: string[]): string[] {
  const byName = (lines: string[]) => new Map(aclUsers(lines).map((u) => [u.name, [...u.rules].sort().join(" ")]));
  const want = byName(fromFile);
  const have = byName(running);
  const drift: string[] = [];
  for (const [name, line] of want) if (have.get(name) !== line) drift.push(name);
  for (const name of have.keys()) if (!want.has(name)) drift.push(name);
  return drift;
}
