import type { BackpressureGate } from '../../runtime/BackpressureGate.js';
import type { ConnectorContext } from '../../runtime/Connector.js';
import { OutputFileLock } from './OutputFileLock.js';
import { truncateForResume } from './truncateForResume.js';
import { WritableLineSink } from './WritableLineSink.js';

/**
 * An output file ready for lines: locked against a second writer first (see
 * {@link OutputFileLock}), then cut back to its committed length when the source resumes, or
 * created or truncated, and open. The lock goes with the sink's `close`, or at once if opening fails.
 * @param option what named this output, for error messages (`--to`, `--dead-letter`)
 * @param gate paused while the file's buffer is full
 */
export async function openOutputFile(path: string, context: ConnectorContext, option?: string, gate?: BackpressureGate): Promise<WritableLineSink> {
  const lock = OutputFileLock.acquire(path, option);
  try {
    const lines = new WritableLineSink({ path, option, resumeAtBytes: await truncateForResume(path, context, option), lock }, gate);
    await lines.opened;
    return lines;
  } catch (error) {
    lock.release();
    throw error;
  }
}
