import type { InvalidRecord } from '../../events/InvalidRecord.js';
import type { DeadLetterSink } from '../../runtime/DeadLetterSink.js';
import { WritableLineSink } from './WritableLineSink.js';

const decoder = new TextDecoder();

/**
 * Writes each invalid record as a JSON line: `{"reason","detail","partition","position","raw"}`,
 * `raw` being the original line (or bytes read as UTF-8).
 */
export class FileDeadLetterSink implements DeadLetterSink {
  private readonly lines: WritableLineSink;

  /** @param option what named this output, for error messages (`--dead-letter`) */
  constructor(path: string, option?: string) {
    this.lines = new WritableLineSink({ path, option });
  }

  get failed(): Promise<never> {
    return this.lines.failed;
  }

  get opened(): Promise<void> {
    return this.lines.opened;
  }

  write(record: InvalidRecord): void {
    this.lines.write([
      JSON.stringify({
        reason: record.reason,
        detail: record.detail,
        partition: record.partition,
        position: record.position,
        raw: typeof record.raw === 'string' ? record.raw : decoder.decode(record.raw),
      }),
    ]);
  }

  flush(): Promise<void> {
    return this.lines.flush();
  }

  close(): Promise<void> {
    return this.lines.close();
  }
}
