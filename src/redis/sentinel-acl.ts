// The ACL user a Sentinel logs in to the group's nodes as (redis_acl with redis_sentinel_password):
// only what Sentinel sends a monitored node. Read from sentinel.c of every server redplay
// supports (Redis 6.2, 7.0, 7.2, 7.4, 8.0; Valkey 7.2, 8.0, 8.1), where each command goes through
// sentinelInstanceMapCommand: AUTH (always allowed), PING and INFO (monitoring), SUBSCRIBE and
// PUBLISH on __sentinel__:hello (Sentinels find each other), CLIENT SETNAME (its links are named),
// SCRIPT KILL (a primary busy with a script), and for a promotion or reconfiguration MULTI,
// SLAVEOF, CONFIG REWRITE, CLIENT KILL and EXEC. Valkey 9's coordinated failover (SENTINEL
// FAILOVER ... COORDINATED) also sends FAILOVER and more of CLIENT. Pure.
import { atLeast, compareVersions, type ServerVersion } from "./server-version.js";

/** The commands and channels of the Sentinel user, for `server`; throws where a Sentinel cannot log in as a user. */
export function sentinelAclRules(server: ServerVersion): string {
  if (!atLeast(server, "6.2.0")) {
    // `sentinel auth-user` and channel rules came with 6.2.
    throw new Error(`a Sentinel ACL user needs Redis 6.2 or later (Sentinel's auth-user); this host has ${server.flavor} ${server.version}`);
  }
  const rules = [
    "resetchannels",
    "&__sentinel__:hello",
    "-@all",
    "+ping",
    "+info",
    "+subscribe",
    "+publish",
    "+client|setname",
    "+client|kill",
    "+script|kill",
    "+multi",
    "+exec",
    "+slaveof",
    "+config|rewrite",
  ];
  if (server.flavor === "valkey" && compareVersions(server.version, "9.0.0") >= 0) rules.push("+failover", "+client");
  return rules.join(" ");
}
