import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WriteQueueObserver } from './WriteQueue.js';

/** The collector's Prometheus metrics, in a registry of its own (several collectors may share a process). */
export class CollectorMetrics implements WriteQueueObserver {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'clickflow_collector_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['route', 'status'], registers: [this.registry] });
  readonly accepted = new Counter({ name: 'clickflow_collector_events_accepted_total', help: 'Events stored in Kafka and acknowledged', registers: [this.registry] });
  readonly refused = new Counter({ name: 'clickflow_collector_events_refused_total', help: 'Events refused by validation, by reason', labelNames: ['reason'], registers: [this.registry] });
  private readonly send = new Histogram({
    name: 'clickflow_collector_kafka_send_seconds',
    help: 'Time from a batch handed to Kafka to its acknowledgement (acks: -1)',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly bufferBytes = new Gauge({ name: 'clickflow_collector_buffer_bytes', help: 'Bytes of events waiting for Kafka', registers: [this.registry] });
  private readonly bufferEvents = new Gauge({ name: 'clickflow_collector_buffer_events', help: 'Events waiting for Kafka', registers: [this.registry] });
  private readonly bufferFill = new Gauge({ name: 'clickflow_collector_buffer_fill_ratio', help: 'Share of the buffer in use, 0 to 1; requests are refused with 503 near 1', registers: [this.registry] });

  constructor(private readonly maxBufferBytes: number) {
    collectDefaultMetrics({ register: this.registry });
  }

  sent(seconds: number): void {
    this.send.observe(seconds);
  }

  buffered(bytes: number, events: number): void {
    this.bufferBytes.set(bytes);
    this.bufferEvents.set(events);
    this.bufferFill.set(Math.min(1, bytes / this.maxBufferBytes));
  }
}
