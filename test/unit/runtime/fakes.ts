/**
 * In-memory sources, sinks and connectors for running jobs with `startJob` in unit tests:
 * each records what it was given, and the order of flushes, commits, opens and closes goes to
 * a shared log so that tests can assert "flushed before committed", "source opened first".
 */
import type { Observable } from 'rxjs';
import type { InvalidRecord } from '../../../src/events/InvalidRecord.js';
import type { RecordBatch } from '../../../src/operators/RecordBatch.js';
import { toLineProtocol } from '../../../src/points/lineProtocol.js';
import type { Point } from '../../../src/points/Point.js';
import type { Connector, ConnectorContext } from '../../../src/runtime/Connector.js';
import type { DeadLetterSink } from '../../../src/runtime/DeadLetterSink.js';
import type { LineSink } from '../../../src/runtime/LineSink.js';
import type { PointSink } from '../../../src/runtime/PointSink.js';
import type { Source, SourceCommit } from '../../../src/runtime/Source.js';

/** Points written, also as line protocol; `flush` fails with `flushError` when given. */
export class RecordingPointSink implements PointSink {
  readonly points: Point[] = [];
  closed = false;
  constructor(
    private readonly log: string[] = [],
    private readonly flushError?: Error,
  ) {}
  get lines(): string[] {
    return this.points.map(toLineProtocol);
  }
  write(points: readonly Point[]): void {
    this.points.push(...points);
  }
  async flush(): Promise<void> {
    this.log.push('sink.flush');
    if (this.flushError !== undefined) throw this.flushError;
  }
  async close(): Promise<void> {
    this.log.push('sink.close');
    this.closed = true;
  }
}

/** Lines written (the late output). */
/** A point sink that counts bytes like a file output, under `resumeKey`: 10 bytes a point. */
export class CountingPointSink extends RecordingPointSink {
  readonly resumeKey = 'file:/out.lp';
  constructor(public bytesWritten: number) {
    super();
  }
  override write(points: readonly Point[]): void {
    super.write(points);
    this.bytesWritten += points.length * 10;
  }
}

export class RecordingLines implements LineSink {
  readonly lines: string[] = [];
  closed = false;
  constructor(private readonly log: string[] = []) {}
  write(lines: readonly string[]): void {
    this.lines.push(...lines);
  }
  async flush(): Promise<void> {
    this.log.push('late.flush');
  }
  async close(): Promise<void> {
    this.log.push('late.close');
    this.closed = true;
  }
}

export class RecordingDeadLetters implements DeadLetterSink {
  readonly records: InvalidRecord[] = [];
  closed = false;
  constructor(private readonly log: string[] = []) {}
  write(record: InvalidRecord): void {
    this.records.push(record);
  }
  async flush(): Promise<void> {
    this.log.push('dlq.flush');
  }
  async close(): Promise<void> {
    this.log.push('dlq.close');
    this.closed = true;
  }
}

export type FakeSource = Source & { readonly commits: ReadonlyMap<number, SourceCommit>[]; closed: boolean };

/** A resumable source over `batches` that records its commits; `commit` fails with `commitError` when given. */
export function fakeSource(batches: Observable<RecordBatch<string | Uint8Array>>, log: string[] = [], commitError?: Error): FakeSource {
  const commits: ReadonlyMap<number, SourceCommit>[] = [];
  const source = {
    batches,
    commits,
    closed: false,
    async commit(snapshot: ReadonlyMap<number, SourceCommit>) {
      log.push('source.commit');
      if (commitError !== undefined) throw commitError;
      commits.push(new Map(snapshot));
    },
    async close() {
      log.push('source.close');
      source.closed = true;
    },
  };
  return source;
}

/** A connector that hands out `value`, logging `open <description>`; it fails to open with `error` when given. */
export function connector<T>(description: string, value: T, log: string[] = [], error?: Error): Connector<T> & { contexts: ConnectorContext[] } {
  const contexts: ConnectorContext[] = [];
  return {
    description,
    contexts,
    open: async (context) => {
      log.push(`open ${description}`);
      contexts.push(context);
      if (error !== undefined) throw error;
      return value;
    },
  };
}
