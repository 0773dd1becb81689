import type { Point } from '../points/Point.js';
import { toLineProtocol } from '../points/lineProtocol.js';
import type { LineSink } from './LineSink.js';
import type { PointSink } from './PointSink.js';

/** A point sink that writes line protocol to a line sink (InfluxDB, a file, stdout). */
export function lineProtocolSink(lines: LineSink): PointSink {
  return {
    failed: lines.failed,
    resumeKey: lines.resumeKey,
    get bytesWritten() {
      return lines.bytesWritten;
    },
    write(points: readonly Point[]) {
      if (points.length === 0) return;
      const encoded = new Array<string>(points.length);
      for (let i = 0; i < points.length; i++) encoded[i] = toLineProtocol(points[i]!);
      lines.write(encoded);
    },
    flush: () => lines.flush(),
    close: () => lines.close(),
  };
}
