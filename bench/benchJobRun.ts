// One job run of `npm run bench:e2e`, in a process of its own as `clickflow run` would be:
//   node dist/bench/benchJobRun.js '<JobRunSpec as JSON>'
// It prints a JobRunResult as JSON, timed from the job's start to its exit. error-rates runs
// with --bounded; the sessions job (unbounded: it moves records) is cancelled, as SIGTERM
// does, once every partition of the source and of each internal topic has reported a
// watermark of at least `doneAtMs`.
import { startRun, runRun, type RunOptions } from '../src/cli/commands/runCommand.js';
import type { JobMetrics } from '../src/runtime/JobMetrics.js';

export interface JobRunSpec {
  readonly job: 'error-rates' | 'sessions';
  readonly to: RunOptions['to'];
  readonly topic: string;
  readonly group: string;
  readonly partitions: number;
  /** Sessions only: its gap, and the watermark past which every session has fired. */
  readonly gapMs?: number;
  readonly doneAtMs?: number;
}

export interface JobRunResult {
  readonly seconds: number;
  /** CPU time of the whole process (user and system) at the job's exit, start-up included. */
  readonly cpuSeconds: number;
  /** Sessions only: when every partition passed `doneAtMs`; the stop follows. */
  readonly endSeconds?: number;
  readonly moves: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly pointsOut: number;
  readonly lateRecords: number;
  readonly invalidRecords: number;
}

async function run(spec: JobRunSpec): Promise<JobRunResult> {
  const options: RunOptions = {
    job: spec.job,
    from: { kind: 'kafka' },
    to: spec.to,
    brokers: process.env.KAFKA_BROKERS,
    topic: spec.topic,
    group: spec.group,
    influxUrl: process.env.INFLUX_URL,
    influxOrg: process.env.INFLUX_ORG,
    influxBucket: process.env.INFLUX_BUCKET,
    influxToken: process.env.INFLUX_TOKEN,
    quiet: true,
  };
  const start = performance.now();
  if (spec.job === 'error-rates') {
    const metrics = await runRun({ ...options, bounded: true });
    return { seconds: (performance.now() - start) / 1000, cpuSeconds: cpuSeconds(), moves: 0, ...counts(metrics) };
  }
  const { job, handle } = await startRun({ ...options, gapMs: spec.gapMs });
  // Combined partitions: the source's, then each internal topic's (see combinedPartition).
  const partitions = spec.partitions * (1 + (job.moves ?? 0));
  const done = new Set<number>();
  let endSeconds = NaN;
  const progress = handle.events.subscribe((event) => {
    if (event.type !== 'progress' || event.watermarkMs < spec.doneAtMs!) return;
    done.add(event.partition);
    if (done.size === partitions && Number.isNaN(endSeconds)) {
      endSeconds = (performance.now() - start) / 1000;
      void handle.cancel();
    }
  });
  const stall = setTimeout(() => void handle.cancel(), 15 * 60_000);
  try {
    await handle.done;
  } finally {
    clearTimeout(stall);
    progress.unsubscribe();
  }
  const seconds = (performance.now() - start) / 1000;
  if (Number.isNaN(endSeconds)) throw new Error(`the sessions job never passed its end: watermarks ${JSON.stringify(handle.metrics.toJSON().watermarks)}`);
  return { seconds, cpuSeconds: cpuSeconds(), endSeconds, moves: job.moves ?? 0, ...counts(handle.metrics) };
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function counts({ recordsIn, recordsOut, pointsOut, lateRecords, invalidRecords }: JobMetrics) {
  return { recordsIn, recordsOut, pointsOut, lateRecords, invalidRecords };
}

// Only ever run as a script: e2eBench imports its types alone.
const result = await run(JSON.parse(process.argv[2]!) as JobRunSpec);
process.stdout.write(JSON.stringify(result));
process.exit(0);
