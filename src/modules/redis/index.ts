// The redis_* modules, for the module registry.
import type { AnyModule } from "../types.js";
import { redisCommandModule } from "./redis-command.js";
import { redisFactsModule } from "./redis-facts.js";
import { redisFailoverModule } from "./redis-failover.js";
import { redisHealthModule } from "./redis-health.js";
import { redisPromoteModule } from "./redis-promote.js";
import { redisServerModule } from "./redis-server.js";
import { redisSwitchoverModule } from "./redis-switchover.js";
import { redisReplicationModule } from "./redis-replication.js";
import { redisTopologyModule } from "./redis-topology.js";
import { redisConfigModule } from "./redis-config.js";
import { redisLockModule } from "./redis-lock.js";
import { redisTlsModule } from "./redis-tls.js";
import { sentinelServerModule } from "./sentinel-server.js";
import { sentinelConfigModule } from "./sentinel-config.js";
import { sentinelHealthModule } from "./sentinel-health.js";

/** Every redis_* module. */
export const redisModules: AnyModule[] = [
  redisServerModule,
  redisFactsModule,
  redisTopologyModule,
  redisTlsModule,
  redisConfigModule,
  redisLockModule,
  redisReplicationModule,
  redisCommandModule,
  redisHealthModule,
  redisFailoverModule,
  redisPromoteModule,
  redisSwitchoverModule,
  sentinelServerModule,
  sentinelConfigModule,
  sentinelHealthModule,
];
