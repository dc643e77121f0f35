import { LOKI_PORT, LOKI_DATA_DIR } from "../../catalog/observability";
/**
 * Loki 3.x configuration: one single-binary instance on the observability host, chunks and
 * TSDB index on the filesystem under /loki (the `logs` storage class), retention applied by
 * the compactor.
 */
import { stringify } from "yaml";
import type { HomelabSpec } from "../../config/spec";
import { GO_YAML } from "./prometheus";

/** First day of the v13 schema; fixed so the config never changes with the calendar. */
const SCHEMA_FROM = "2024-01-01";

/** loki.yml for the homelab. */
export function lokiConfig(spec: HomelabSpec): string {
  const retentionHours = spec.observability.logRetentionDays * 24;
  const config = {
    auth_enabled: false,
    server: { http_listen_port: LOKI_PORT, grpc_listen_port: 9096, log_level: "warn" },
    common: {
      instance_addr: "127.0.0.1",
      path_prefix: LOKI_DATA_DIR,
      storage: {
        filesystem: {
          chunks_directory: `${LOKI_DATA_DIR}/chunks`,
          rules_directory: `${LOKI_DATA_DIR}/rules`,
        },
      },
      replication_factor: 1,
      ring: { kvstore: { store: "inmemory" } },
    },
    schema_config: {
      configs: [
        {
          from: SCHEMA_FROM,
          store: "tsdb",
          object_store: "filesystem",
          schema: "v13",
          index: { prefix: "index_", period: "24h" },
        },
      ],
    },
    storage_config: {
      tsdb_shipper: {
        active_index_directory: `${LOKI_DATA_DIR}/tsdb-index`,
        cache_location: `${LOKI_DATA_DIR}/tsdb-cache`,
      },
    },
    limits_config: {
      retention_period: `${retentionHours}h`,
      reject_old_samples: true,
      reject_old_samples_max_age: "168h",
    },
    compactor: {
      working_directory: `${LOKI_DATA_DIR}/compactor`,
      compaction_interval: "10m",
      retention_enabled: true,
      retention_delete_delay: "2h",
      delete_request_store: "filesystem",
    },
    analytics: { reporting_enabled: false },
  };
  return stringify(config, GO_YAML);
}
