// The error-rates job as it was wired before the job API: RxJS operators by hand and line
// protocol written as strings. Kept as the bench's "old path", so that `npm run bench`
// shows what the API costs (or saves) beside it.
import { escape } from '@influxdata/influxdb-client';
import { map, pipe, type OperatorFunction } from 'rxjs';
import type { ClickEvent } from '../src/events/ClickEvent.js';
import { validateClickEvent } from '../src/events/validateClickEvent.js';
import { errorRatesAggregate } from '../src/jobs/errorRates/ErrorRatesAggregate.js';
import { urlFitsInfluxTag } from '../src/jobs/errorRates/urlFitsInfluxTag.js';
import { parseRecords } from '../src/operators/parseRecords.js';
import type { RecordBatch } from '../src/operators/RecordBatch.js';
import { TumblingEventTimeWindows } from '../src/operators/TumblingEventTimeWindows.js';
import { windowAggregate } from '../src/operators/windowAggregate.js';

export function operatorPathErrorRates(windowMs: number, maxOutOfOrdernessMs: number): OperatorFunction<RecordBatch<string>, string[]> {
  return pipe(
    parseRecords<ClickEvent>({
      validate: (value) => validateClickEvent(value) ?? urlFitsInfluxTag(value),
      onInvalid: () => {},
    }),
    windowAggregate({
      windows: TumblingEventTimeWindows.of(windowMs),
      eventTimeOf: (event: ClickEvent) => event.eventTimeMs,
      maxOutOfOrdernessMs,
      aggregate: errorRatesAggregate(),
    }),
    map((batch) => {
      const out: string[] = [];
      for (const result of batch.results) {
        const timestamp = `${result.startMs}000000`;
        const partitionTag = `,partition=${result.partition}`;
        const w = result.value;
        for (const [url, n] of w.urlCounts) out.push(`url_counts${partitionTag},url=${escape.tag(url)} count=${n}i ${timestamp}`);
        for (const [status, n] of w.statusCounts) out.push(`status_counts${partitionTag},status=${status} count=${n}i ${timestamp}`);
        out.push(
          `error_rates${partitionTag} total=${w.total}i,errors=${w.errors}i,client_errors=${w.clientErrors}i,` +
            `server_errors=${w.serverErrors}i,rate=${w.rate} ${timestamp}`,
        );
        for (const [url, n] of w.urlErrors) out.push(`url_errors${partitionTag},url=${escape.tag(url)} errors=${n}i ${timestamp}`);
        const h = result.health;
        out.push(
          `job_health${partitionTag},firing=${result.firing} records=${h.records}i,late_records=${h.lateRecords}i,invalid_records=${h.invalidRecords}i,` +
            `watermark_lag_ms=${h.watermarkLagMs}i,late_by_max_ms=${h.lateByMaxMs}i,late_by_p99_ms=${h.lateByP99Ms}i ${timestamp}`,
        );
      }
      return out;
    }),
  );
}
