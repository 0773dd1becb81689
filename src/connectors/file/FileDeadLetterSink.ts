import type { InvalidRecord } from '../../events/InvalidRecord.js';
import type { DeadLetterSink } from '../../runtime/DeadLetterSink.js';
import { rawRecordField } from '../../events/rawRecordField.js';
import { WritableLineSink } from './WritableLineSink.js';

/**
 * Writes each invalid record as a JSON line:
 * `{"reason","detail","partition","position","raw"}`, `raw` being the original line (bytes
 * that are valid UTF-8 are written as that text). Bytes that are not valid UTF-8 get
 * `raw_base64` in place of `raw`: JSON has no way to hold them, and decoding them would
 * replace each bad sequence with U+FFFD and lose the original.
 *
 * @example
 * {"reason":"not_json","detail":"Unexpected end of JSON input","partition":0,"position":3,"raw":"{\"url\":"}
 * {"reason":"bad_encoding","detail":"not valid UTF-8: …","partition":0,"position":9,"raw_base64":"eyJ1cmwiOiIv6SJ9"}
 */
export class FileDeadLetterSink implements DeadLetterSink {
  /** @param lines the file (see `openOutputFile`) */
  constructor(private readonly lines: WritableLineSink) {}

  get resumeKey(): string | undefined {
    return this.lines.resumeKey;
  }

  get bytesWritten(): number {
    return this.lines.bytesWritten;
  }

  get failed(): Promise<never> {
    return this.lines.failed;
  }

  get opened(): Promise<void> {
    return this.lines.opened;
  }

  write(record: InvalidRecord): void {
    const { reason, detail, partition, position, raw } = record;
    this.lines.write([JSON.stringify({ reason, detail, partition, position, ...rawRecordField(raw) })]);
  }

  flush(): Promise<void> {
    return this.lines.flush();
  }

  close(): Promise<void> {
    return this.lines.close();
  }
}
