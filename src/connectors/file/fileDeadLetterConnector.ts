import type { DeadLetterConnector } from '../../runtime/Connector.js';
import { FileDeadLetterSink } from './FileDeadLetterSink.js';

/** Invalid records as JSON lines with their reason and the record as read (README, "Events"). */
export function fileDeadLetters(path: string): DeadLetterConnector {
  return { description: `file ${path}`, open: async () => new FileDeadLetterSink(path) };
}
