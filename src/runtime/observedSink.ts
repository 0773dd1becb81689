import type { Point } from '../points/Point.js';
import type { SinkConnector } from './Connector.js';

/**
 * A sink connector that also hands every batch of points it is given to `observe`, before the
 * sink writes them: the job manager's workers forward them to the live page this way, with no
 * change to the job or the sink. `observe` runs on the job's hot path: keep it to a push.
 */
export function observedSink(connector: SinkConnector, observe: (points: readonly Point[]) => void): SinkConnector {
  return {
    description: connector.description,
    file: connector.file,
    open: async (context) => {
      const sink = await connector.open(context);
      return {
        failed: sink.failed,
        // Read at each commit: a file output under a job manager resumes like one under `run`.
        get resumeKey() {
          return sink.resumeKey;
        },
        get bytesWritten() {
          return sink.bytesWritten;
        },
        write: (points) => {
          if (points.length > 0) observe(points);
          sink.write(points);
        },
        flush: () => sink.flush(),
        close: () => sink.close(),
      };
    },
  };
}
