// Parses the text of Redis `INFO` into typed facts (server, replication, persistence).
// Field names keep INFO's own spelling (`master_link_status`, `slave_repl_offset`) so that a
// playbook condition reads like the INFO output an operator already knows. Keys are parsed,
// never log text: Valkey and later Redis versions keep these keys while rewording their logs.

/** One `slaveN:` line of a primary's INFO replication. */
export interface ReplicaLine {
  /** N in `slaveN`. */
  index: number;
  ip: string;
  port: number;
  /** `online` once synced; `wait_bgsave` / `send_bulk` while a full sync runs. */
  state: string;
  offset: number;
  /** Seconds since the replica's last REPLCONF ACK. */
  lag: number;
}

/** The `# Replication` section. Replica-only fields are absent on a primary. */
export interface ReplicationInfo {
  role: "master" | "slave";
  connected_slaves: number;
  slaves: ReplicaLine[];
  master_failover_state?: string;
  master_replid: string;
  master_replid2: string;
  master_repl_offset: number;
  second_repl_offset: number;
  /** Present only when min-replicas-to-write is configured. */
  min_slaves_good_slaves?: number;
  master_host?: string;
  master_port?: number;
  master_link_status?: "up" | "down";
  /** -1 when the replica is not connected. */
  master_last_io_seconds_ago?: number;
  master_sync_in_progress?: boolean;
  /** Present only while the link is down; -1 means it never connected. */
  master_link_down_since_seconds?: number;
  slave_repl_offset?: number;
  slave_read_only?: boolean;
  /** `slave_priority` in 7.0, `replica_priority` in some builds: whichever the server prints. */
  replica_priority?: number;
}

/** The `# Server` section fields redplay uses. */
export interface ServerInfo {
  redis_version: string;
  run_id: string;
  tcp_port?: number;
  uptime_in_seconds?: number;
  /** Absolute path of the config file, or null when started without one (CONFIG REWRITE then fails). */
  config_file: string | null;
}

/** The `# Persistence` section fields redplay uses. */
export interface PersistenceInfo {
  loading: boolean;
  aof_enabled: boolean;
  aof_rewrite_in_progress: boolean;
  aof_last_write_status?: string;
  aof_last_bgrewrite_status?: string;
  rdb_bgsave_in_progress: boolean;
  rdb_last_bgsave_status?: string;
  rdb_changes_since_last_save?: number;
  rdb_last_save_time?: number;
}

/** Parsed INFO: the typed sections that were present, plus every section as raw key/values. */
export interface RedisInfo {
  server?: ServerInfo;
  replication?: ReplicationInfo;
  persistence?: PersistenceInfo;
  /** Lower-cased section name -> key -> value, as printed. */
  sections: Record<string, Record<string, string>>;
}

/** Splits INFO text into sections of raw key/value pairs. */
export function parseInfoSections(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let current: Record<string, string> = {};
  sections["default"] = current;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      current = {};
      sections[line.slice(1).trim().toLowerCase()] = current;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    current[line.slice(0, colon)] = line.slice(colon + 1);
  }
  if (Object.keys(sections["default"]!).length === 0) delete sections["default"];
  return sections;
}

/** Parses full or partial INFO output; sections that are missing stay undefined. */
export function parseInfo(text: string): RedisInfo {
  const sections = parseInfoSections(text);
  const info: RedisInfo = { sections };
  if (sections.server) info.server = serverFrom(sections.server);
  if (sections.replication?.role) info.replication = replicationFrom(sections.replication);
  if (sections.persistence) info.persistence = persistenceFrom(sections.persistence);
  return info;
}

/** Parses one `slaveN` value: `ip=127.0.0.73,port=6379,state=online,offset=81,lag=1`. */
export function parseReplicaLine(index: number, value: string): ReplicaLine {
  const fields: Record<string, string> = {};
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return {
    index,
    ip: fields.ip ?? "",
    port: num(fields.port) ?? 0,
    state: fields.state ?? "",
    offset: num(fields.offset) ?? 0,
    lag: num(fields.lag) ?? 0,
  };
}

function replicationFrom(s: Record<string, string>): ReplicationInfo {
  const slaves: ReplicaLine[] = [];
  for (const [key, value] of Object.entries(s)) {
    const m = /^slave(\d+)$/.exec(key);
    if (m) slaves.push(parseReplicaLine(Number(m[1]), value));
  }
  slaves.sort((a, b) => a.index - b.index);
  const r: ReplicationInfo = {
    role: s.role === "slave" ? "slave" : "master",
    connected_slaves: num(s.connected_slaves) ?? 0,
    slaves,
    master_replid: s.master_replid ?? "",
    master_replid2: s.master_replid2 ?? "",
    master_repl_offset: num(s.master_repl_offset) ?? 0,
    second_repl_offset: num(s.second_repl_offset) ?? -1,
  };
  if (s.master_failover_state !== undefined) r.master_failover_state = s.master_failover_state;
  setNum(r, "min_slaves_good_slaves", s.min_slaves_good_slaves);
  if (s.master_host !== undefined) r.master_host = s.master_host;
  setNum(r, "master_port", s.master_port);
  if (s.master_link_status === "up" || s.master_link_status === "down") {
    r.master_link_status = s.master_link_status;
  }
  setNum(r, "master_last_io_seconds_ago", s.master_last_io_seconds_ago);
  if (s.master_sync_in_progress !== undefined) {
    r.master_sync_in_progress = s.master_sync_in_progress === "1";
  }
  setNum(r, "master_link_down_since_seconds", s.master_link_down_since_seconds);
  setNum(r, "slave_repl_offset", s.slave_repl_offset);
  if (s.slave_read_only !== undefined) r.slave_read_only = s.slave_read_only === "1";
  setNum(r, "replica_priority", s.replica_priority ?? s.slave_priority);
  return r;
}

function serverFrom(s: Record<string, string>): ServerInfo {
  const out: ServerInfo = {
    redis_version: s.redis_version ?? "",
    run_id: s.run_id ?? "",
    config_file: s.config_file ? s.config_file : null,
  };
  setNum(out, "tcp_port", s.tcp_port);
  setNum(out, "uptime_in_seconds", s.uptime_in_seconds);
  return out;
}

function persistenceFrom(s: Record<string, string>): PersistenceInfo {
  const out: PersistenceInfo = {
    loading: s.loading === "1",
    aof_enabled: s.aof_enabled === "1",
    aof_rewrite_in_progress: s.aof_rewrite_in_progress === "1",
    rdb_bgsave_in_progress: s.rdb_bgsave_in_progress === "1",
  };
  if (s.aof_last_write_status !== undefined) out.aof_last_write_status = s.aof_last_write_status;
  if (s.aof_last_bgrewrite_status !== undefined) {
    out.aof_last_bgrewrite_status = s.aof_last_bgrewrite_status;
  }
  if (s.rdb_last_bgsave_status !== undefined) out.rdb_last_bgsave_status = s.rdb_last_bgsave_status;
  setNum(out, "rdb_changes_since_last_save", s.rdb_changes_since_last_save);
  setNum(out, "rdb_last_save_time", s.rdb_last_save_time);
  return out;
}

function num(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function setNum<T extends object>(target: T, key: keyof T & string, value: string | undefined): void {
  const n = num(value);
  if (n !== undefined) (target as Record<string, unknown>)[key] = n;
}
