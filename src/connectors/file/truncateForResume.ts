import { stat, truncate } from 'node:fs/promises';
import { ClickflowError } from '../../errors/ClickflowError.js';
import type { ConnectorContext } from '../../runtime/Connector.js';
import { fileResumeKey } from './WritableLineSink.js';

/**
 * Where a file output continues when its source resumes from a previous run's commit: the
 * length the file had at that commit, after cutting off what was written later (the source
 * re-reads those records, and the job writes their lines again). `undefined` when there is
 * nothing to resume, and the file starts empty as usual.
 *
 * A file shorter than its committed length was changed by someone else (or lost in a machine
 * crash, since commits do not wait for the disk): appending would lose lines silently, so
 * the job stops and says how to go on.
 */
export async function truncateForResume(path: string, context: ConnectorContext, option?: string): Promise<number | undefined> {
  if (path === '-') return undefined;
  const committedBytes = context.resume?.outputBytes.get(fileResumeKey(path));
  if (committedBytes === undefined) return undefined;
  const size = await stat(path).then(
    (s) => s.size,
    () => -1,
  );
  if (size < committedBytes) {
    const found = size < 0 ? 'is missing' : `has ${size} bytes`;
    throw new ClickflowError(
      `${option === undefined ? '' : `${option}: `}${path} ${found}, but it had ${committedBytes} bytes when the consumer group last committed; ` +
        'it was changed outside clickflow. Restore it, or write to a new file with a new --group to start over',
    );
  }
  await truncate(path, committedBytes);
  return committedBytes;
}
