import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobRecord } from './ManagedJob.js';
import type { JobMetricsSnapshot } from './WorkerMessage.js';
import { watermarkLagSecondsOf } from './snapshotOf.js';

/**
 * The manager's Prometheus metrics, one series per job (label `job_id`, the job id; `job_name`,
 * the job's name), fed by the snapshots its workers send. Counters rise by the difference between
 * two snapshots, so they stay monotone across restarts. Not `job`: Prometheus sets that label on
 * every scraped series to the scrape job's name, and would rename ours to `exported_job`.
 */
export class ManagerMetrics {
  readonly registry = new Registry();
  private readonly recordsIn = new Counter({ name: 'clickflow_records_in_total', help: 'Records read from the source, valid or not; records re-read after a restart count again', labelNames: ['job_id', 'job_name'], registers: [this.registry] });
  private readonly pointsOut = new Counter({ name: 'clickflow_points_out_total', help: 'Points handed to the sink', labelNames: ['job_id', 'job_name'], registers: [this.registry] });
  private readonly late = new Counter({ name: 'clickflow_late_records_total', help: 'Records that came after all their windows closed', labelNames: ['job_id', 'job_name'], registers: [this.registry] });
  private readonly invalid = new Counter({ name: 'clickflow_invalid_records_total', help: 'Records refused, by reason', labelNames: ['job_id', 'job_name', 'reason'], registers: [this.registry] });
  private readonly firings = new Counter({ name: 'clickflow_window_firings_total', help: 'Window firings (per key for keyed windows)', labelNames: ['job_id', 'job_name'], registers: [this.registry] });
  private readonly watermarkLag = new Gauge({ name: 'clickflow_watermark_lag_seconds', help: 'Wall clock minus the partition watermark', labelNames: ['job_id', 'job_name', 'partition'], registers: [this.registry] });
  private readonly consumerLag = new Gauge({ name: 'clickflow_consumer_lag', help: 'Records between the partition end and the job position', labelNames: ['job_id', 'job_name', 'partition'], registers: [this.registry] });
  private readonly sinkWrite = new Histogram({
    name: 'clickflow_sink_write_seconds',
    help: 'Duration of each sink write request',
    labelNames: ['job_id', 'job_name'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly sinkRetries = new Counter({ name: 'clickflow_sink_retries_total', help: 'Sink writes retried', labelNames: ['job_id', 'job_name'], registers: [this.registry] });
  private readonly restarts = new Counter({ name: 'clickflow_job_restarts_total', help: 'Restarts by the restart strategy', labelNames: ['job_id', 'job_name'], registers: [this.registry] });
  /** The latest watermarks and lags per job: gauges computed when scraped, as the wall clock moves on. */
  private readonly latest = new Map<string, { name: string; watermarksMs: Readonly<Record<string, number>>; lag: Readonly<Record<string, number>> }>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Forgets an ended job's gauges (its counters stay, as Prometheus expects). */
  ended(id: string): void {
    this.latest.delete(id);
  }

  /** Adds what changed between two snapshots of a job. */
  observe(record: JobRecord, previous: JobMetricsSnapshot, current: JobMetricsSnapshot): void {
    const labels = { job_id: record.id, job_name: record.name };
    const rise = (counter: Counter, now: number, before: number) => {
      if (now > before) counter.inc(labels, now - before);
    };
    rise(this.recordsIn, current.recordsIn, previous.recordsIn);
    rise(this.pointsOut, current.pointsOut, previous.pointsOut);
    rise(this.late, current.lateRecords, previous.lateRecords);
    rise(this.firings, current.windowsFired, previous.windowsFired);
    rise(this.sinkRetries, current.sinkRetries, previous.sinkRetries);
    for (const [reason, n] of Object.entries(current.invalidByReason)) {
      const before = previous.invalidByReason[reason] ?? 0;
      if (n > before) this.invalid.inc({ ...labels, reason }, n - before);
    }
    for (const seconds of current.sinkWriteSeconds) this.sinkWrite.observe(labels, seconds);
    this.latest.set(record.id, { name: record.name, watermarksMs: current.watermarksMs, lag: current.consumerLag });
  }

  restarted(record: JobRecord): void {
    this.restarts.inc({ job_id: record.id, job_name: record.name });
  }

  /** The text Prometheus scrapes. */
  async text(): Promise<string> {
    this.watermarkLag.reset();
    this.consumerLag.reset();
    const now = Date.now();
    for (const [id, { name, watermarksMs, lag }] of this.latest) {
      for (const [partition, seconds] of Object.entries(watermarkLagSecondsOf(watermarksMs, now))) {
        this.watermarkLag.set({ job_id: id, job_name: name, partition }, seconds);
      }
      for (const [partition, records] of Object.entries(lag)) this.consumerLag.set({ job_id: id, job_name: name, partition }, records);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
