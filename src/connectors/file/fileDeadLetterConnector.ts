import type { DeadLetterConnector } from '../../runtime/Connector.js';
import { FileDeadLetterSink } from './FileDeadLetterSink.js';
import { truncateForResume } from './truncateForResume.js';

/**
 * Invalid records as JSON lines with their reason and the record as read (README, "Events").
 * @param option what named this output, for error messages (`--dead-letter`)
 */
export function fileDeadLetters(path: string, option?: string): DeadLetterConnector {
  return {
    description: `file ${path}`,
    file: { path, input: false },
    open: async (context) => {
      const sink = new FileDeadLetterSink(path, option, await truncateForResume(path, context, option));
      await sink.opened;
      return sink;
    },
  };
}
