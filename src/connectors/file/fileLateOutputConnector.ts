import type { LateOutputConnector } from '../../runtime/Connector.js';
import { fileRecords } from './fileRecordsConnector.js';

/**
 * Late records as JSON lines: partition, position, event time, the watermark missed, and the record as read.
 * @param option what named this output, for error messages (`--late-output`)
 */
export function fileLateOutput(path: string, option?: string): LateOutputConnector {
  return fileRecords(path, option);
}
