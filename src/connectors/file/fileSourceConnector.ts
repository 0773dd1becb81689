import type { SourceConnector } from '../../runtime/Connector.js';
import { readLineBatches } from './readLineBatches.js';

/**
 * A JSON-lines file, or standard input for `-`, as one partition (0) with line numbers as
 * positions. Bounded: the job ends, firing every window, when the input ends.
 * @example startJob(job, { source: fileSource('events.jsonl'), sink: fileSink('points.lp') })
 */
export function fileSource(path: string): SourceConnector {
  return {
    description: path === '-' ? 'stdin' : `file ${path}`,
    file: { path, input: true },
    open: async ({ gate }) => ({
      batches: readLineBatches({ path, gate }),
      // A job stopped early leaves stdin open (a terminal, a producer still writing), and an
      // open stdin would keep the process alive after the job.
      close: async () => {
        if (path === '-') process.stdin.destroy();
      },
    }),
  };
}
