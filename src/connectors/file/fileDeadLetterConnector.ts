import type { DeadLetterConnector } from '../../runtime/Connector.js';
import { FileDeadLetterSink } from './FileDeadLetterSink.js';
import { openOutputFile } from './openOutputFile.js';

/**
 * Invalid records as JSON lines with their reason and the record as read (README, "Events").
 * @param option what named this output, for error messages (`--dead-letter`)
 */
export function fileDeadLetters(path: string, option?: string): DeadLetterConnector {
  return {
    description: `file ${path}`,
    file: { path, input: false },
    open: async (context) => new FileDeadLetterSink(await openOutputFile(path, context, option)),
  };
}
