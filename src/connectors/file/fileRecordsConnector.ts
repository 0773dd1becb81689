import type { RecordOutputConnector } from '../../runtime/Connector.js';
import { openOutputFile } from './openOutputFile.js';
import { WritableLineSink } from './WritableLineSink.js';

/**
 * JSON lines to a file (or `-`: stdout), continued at the committed length after a restart
 * from Kafka: a job's record output (`--output NAME=file:PATH`) and the late output.
 * @param option what named this output, for error messages (`--output sessions`)
 */
export function fileRecords(path: string, option?: string): RecordOutputConnector {
  return {
    description: path === '-' ? 'stdout' : `file ${path}`,
    ...(path === '-' ? {} : { file: { path, input: false } }),
    open: async (context) => (path === '-' ? new WritableLineSink('stdout', context.gate) : await openOutputFile(path, context, option, context.gate)),
  };
}
