import { DEFAULTS } from '../config/defaults.js';
import type { PointData } from '../points/PointData.js';
import { JOBS } from '../jobs/jobRegistry.js';
import { jobSummaryView } from './jobView.js';
import { LivePoints } from './LivePoints.js';
import type { LiveLimits, LiveSample } from './liveWire.js';
import { isEnded, type JobRecord } from './ManagedJob.js';
import type { JobMetricsSnapshot } from './WorkerMessage.js';
import { invalidRecordsOf, watermarkLagSecondsOf } from './snapshotOf.js';

/** Sent in the snapshot: the page keeps as much as the manager does. */
const LIVE_LIMITS: LiveLimits = {
  windowsKept: DEFAULTS.jobManager.live.windowsKept,
  maxPointsPerMeasurement: DEFAULTS.jobManager.live.maxPointsPerMeasurement,
  samplesKept: DEFAULTS.jobManager.live.samplesKept,
};

/** One message to a page: an event name and its data, already JSON. */
export type LiveListener = (event: 'snapshot' | 'jobs' | 'points' | 'metrics', json: string) => void;

interface LiveJob {
  readonly points: LivePoints;
  readonly samples: LiveSample[];
  dropped: number;
}

/**
 * Fans the manager's live data out to every open page: the job list on each change, and per
 * job its points (a re-fired window replacing its earlier points, see {@link LivePoints}) and a
 * metrics sample a second. A page that connects first gets a snapshot of everything kept, so it
 * draws the recent past at once. Data of a job is kept while it is not ended; each message is
 * serialised once, whatever the number of pages.
 */
export class LiveHub {
  private readonly live = new Map<string, LiveJob>();
  private readonly listeners = new Set<LiveListener>();

  constructor(private readonly listJobs: () => readonly JobRecord[]) {}

  /** Calls `listener` with a snapshot now and every update after; returns the unsubscribe. */
  subscribe(listener: LiveListener): () => void {
    const jobs: Record<string, { points: PointData[]; samples: LiveSample[]; dropped: number }> = {};
    for (const [id, job] of this.live) jobs[id] = { points: job.points.all(), samples: job.samples, dropped: job.dropped };
    listener('snapshot', JSON.stringify({ jobs: this.jobList(), live: jobs, limits: LIVE_LIMITS }));
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Points a job wrote; only those kept are sent (a point too old to keep is not). */
  points(record: JobRecord, points: readonly PointData[], dropped: number): void {
    const job = this.jobOf(record);
    job.dropped += dropped;
    const kept = job.points.upsert(points);
    if (kept.length > 0 || dropped > 0) this.broadcast('points', { job: record.id, points: kept, dropped: job.dropped });
  }

  /** A job's metrics, once a second while it runs. */
  metrics(record: JobRecord, metrics: JobMetricsSnapshot): void {
    const nowMs = Date.now();
    const sample: LiveSample = {
      atMs: nowMs,
      recordsIn: metrics.recordsIn,
      pointsOut: metrics.pointsOut,
      lateRecords: metrics.lateRecords,
      invalidRecords: invalidRecordsOf(metrics),
      windowsFired: metrics.windowsFired,
      watermarkLagSeconds: watermarkLagSecondsOf(metrics.watermarksMs, nowMs),
    };
    const { samples } = this.jobOf(record);
    samples.push(sample);
    if (samples.length > DEFAULTS.jobManager.live.samplesKept) samples.splice(0, samples.length - DEFAULTS.jobManager.live.samplesKept);
    this.broadcast('metrics', { job: record.id, sample });
  }

  /** A job was submitted or changed state: every page gets the new list. An ended job's live data goes. */
  changed(record: JobRecord): void {
    if (isEnded(record.state)) this.live.delete(record.id);
    this.broadcast('jobs', this.jobList());
  }

  private jobOf(record: JobRecord): LiveJob {
    let job = this.live.get(record.id);
    if (job === undefined) {
      job = { points: new LivePoints(), samples: [], dropped: 0 };
      this.live.set(record.id, job);
    }
    return job;
  }

  private jobList(): Record<string, unknown>[] {
    // A shipped job's charts; a module job's code never runs in the manager, so it has none here.
    return this.listJobs().map((record) => ({ ...jobSummaryView(record), job: record.job, charts: JOBS.get(record.job)?.charts ?? [] }));
  }

  private broadcast(event: 'jobs' | 'points' | 'metrics', data: unknown): void {
    if (this.listeners.size === 0) return;
    const json = JSON.stringify(data);
    for (const listener of this.listeners) listener(event, json);
  }
}
