import type { KafkaTimeRange } from '../connectors/kafka/KafkaTimeRange.js';
import type { SaslMechanism } from '../connectors/kafka/kafkaSecurity.js';
import type { JobParameters } from '../jobs/Job.js';

/**
 * Everything a run of a job needs, as typed values: which job, where its records come from and
 * its outputs go, the Kafka and InfluxDB settings, the job's parameters and the commit
 * interval. `clickflow run` builds one from its flags, a job manager from a submission (flags
 * or this spec as JSON, README "The job manager"), and {@link startJobSpec} runs it.
 *
 * It names secrets by file, never by value (but the InfluxDB token, which has no file form):
 * the files are read when the job starts, so every restart reads them again.
 */
export interface JobSpec {
  /** A shipped job's name (`error-rates`), or the path of a built job module (`/abs/my-job.js`). */
  readonly job: string;
  readonly source: SourceSpec;
  readonly sink: SinkSpec;
  /** Invalid records. Default: `<topic>.dlq` when the source is Kafka, else counted only. */
  readonly deadLetter?: DeadLetterSpec;
  /** Late records as JSON lines. Default: counted only. */
  readonly lateOutput?: FileSpec;
  /** The job's record outputs by name (`toRecords`). One the job writes but that is not here is counted only. */
  readonly outputs?: Readonly<Record<string, RecordOutputSpec>>;
  /** The brokers and security of every Kafka client of the run (source, dead letters, internal topics). */
  readonly kafka?: KafkaSpec;
  /** Overrides of the job's windowing; each one left out keeps the job's own. */
  readonly parameters?: JobParameters;
  /** How often outputs are flushed and the source committed. Default `DEFAULTS.commitIntervalMs`. */
  readonly commitIntervalMs?: number;
}

export type SourceSpec =
  /**
   * Default topic `DEFAULTS.topic`, group `clickflow-<job name>`; `bounded` reads to the end
   * offsets as of the start. `idleTimeoutMs`: for a job that moves records by key, how long a
   * source partition without records (and none waiting) holds back the watermark after the
   * move; default `DEFAULTS.idleTimeoutMs`.
   */
  | {
      readonly kind: 'kafka';
      readonly topic?: string;
      readonly group?: string;
      readonly bounded?: boolean;
      readonly idleTimeoutMs?: number;
      /** A backfill: only the records in this range of Kafka record times, bounded (see `KafkaTimeRange`). */
      readonly timeRange?: KafkaTimeRange;
    }
  /** JSON lines. */
  | FileSpec
  | { readonly kind: 'stdin' }
  /** The live generated clickstream of `clickflow demo`; the rate in events per second, else the default. */
  | { readonly kind: 'generator'; readonly ratePerSecond?: number };

export type SinkSpec =
  /** Each part left out comes from `INFLUX_URL`, `INFLUX_ORG`, `INFLUX_BUCKET`, `INFLUX_TOKEN` of the process that runs the job. */
  | { readonly kind: 'influx'; readonly url?: string; readonly org?: string; readonly bucket?: string; readonly token?: string }
  /** Line protocol. */
  | FileSpec
  | { readonly kind: 'stdout' }
  /** Points counted and dropped. */
  | { readonly kind: 'none' };

/** JSON lines to a file, or invalid records to a Kafka topic (default `<source topic>.dlq`). */
export type DeadLetterSpec = FileSpec | { readonly kind: 'kafka'; readonly topic?: string };

/** JSON lines to a file or stdout, or the archive job's events to a PostgreSQL table (password in `PGPASSWORD`). */
export type RecordOutputSpec = FileSpec | { readonly kind: 'stdout' } | { readonly kind: 'postgres'; readonly url: string };

export interface FileSpec {
  readonly kind: 'file';
  readonly path: string;
}

export interface KafkaSpec {
  /** `host:port[,…]`. Default `KAFKA_BROKERS` of the process that runs the job, else `DEFAULTS.brokers`. */
  readonly brokers?: string;
  /** Default none: a PLAINTEXT listener. */
  readonly security?: KafkaSecuritySpec;
}

/** SASL and TLS, by file (README, "Kafka security"). `sasl` alone is SASL_PLAINTEXT, `ssl` alone SSL, both SASL_SSL. */
export interface KafkaSecuritySpec {
  /** The password is read from `passwordFile`, else from `KAFKA_SASL_PASSWORD` of the process that runs the job. */
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly passwordFile?: string };
  /** PEM files; `{}` trusts Node's CAs. */
  readonly ssl?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
}
