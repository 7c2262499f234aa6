// A password rotation on a group that Sentinel watches: Sentinel logs in to the nodes with its
// `auth-pass`, so once the nodes drop the old password a Sentinel still using it sees every node
// refuse it (NOAUTH), calls them down and may start a failover it cannot finish. redis_config
// therefore gives the Sentinels the new password (SENTINEL SET auth-pass, which Sentinel persists
// itself) while every node accepts both, before the old one is dropped. The Sentinels' own
// requirepass follows with the next sentinel.yaml run (it logs in with redis_password_previous).
import { errorText } from "../../errors.js";
import { sentinelNodeAuth } from "../../redis/endpoint.js";
import { getSentinel, sentinelMaster } from "../../redis/sentinel-client.js";
import { sentinelHostsOf, sentinelMasterName } from "../../redis/sentinel-view.js";
import type { TaskContext } from "../types.js";

/** SENTINEL SET <master> auth-pass on every Sentinel of the group that answers; what could not be done, if anything. */
export async function sentinelsTakePassword(ctx: TaskContext, groupHosts: string[], password: string): Promise<string | undefined> {
  // A Sentinel with its own ACL user does not log in with the group's password.
  const auth = sentinelNodeAuth(ctx.vars);
  if ("error" in auth || auth.user !== undefined) return undefined;
  const name = sentinelMasterName(ctx.vars);
  const missed: string[] = [];
  await Promise.all(
    sentinelHostsOf(ctx.vars, groupHosts).map(async (host) => {
      try {
        const s = await getSentinel(ctx, host);
        if (await sentinelMaster(s, name)) await s.client.call("SENTINEL", "SET", name, "auth-pass", password);
      } catch (e) {
        missed.push(`${host}'s Sentinel (${errorText(e)})`);
      }
    }),
  );
  return missed.length > 0 ? `not given the new password (run sentinel.yaml when they answer): ${missed.join("; ")}` : undefined;
}
