// The distributions' packaged servers the systemd-lab tests run on, each given its own lab
// addresses by the test (`{ ...DEBIAN12_REDIS, base: "127.0.0.x" }`).
import type { LabServer, LabSuite } from "../../src/lab/lab.js";

export interface PackagedServer {
  title: string;
  os: LabSuite;
  server: LabServer;
  /** Where the server's config, users and TLS files are. */
  etc: string;
  /** Its config file's name there. */
  conf: string;
  /** The user the server runs as. */
  user: string;
}

export const DEBIAN12_REDIS: PackagedServer = { title: "Debian 12, Redis 7.0", os: "bookworm", server: "redis", etc: "/etc/redis", conf: "redis.conf", user: "redis" };
export const DEBIAN13_VALKEY: PackagedServer = { title: "Debian 13, Valkey 8.1", os: "trixie", server: "valkey", etc: "/etc/valkey", conf: "valkey.conf", user: "valkey" };
export const DEBIAN13_REDIS: PackagedServer = { title: "Debian 13, Redis 8.0", os: "trixie", server: "redis", etc: "/etc/redis", conf: "redis.conf", user: "redis" };

/** A packaged server on the lab addresses from `base`. */
export type LabTarget = PackagedServer & { base: string };
