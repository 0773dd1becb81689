import { DEFAULTS } from '../../config/defaults.js';
import type { SourceConnector } from '../../runtime/Connector.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { MIN_RATE_PER_SECOND } from '../../producer/checkRate.js';
import { checkSeed } from '../../producer/checkSeed.js';
import type { EventFeed } from './EventFeed.js';

/** Options of {@link generatorSource}; defaults in `DEFAULTS.demo`. */
export interface GeneratorSourceSettings {
  /** Events per second. Default `DEFAULTS.demo.ratePerSecond` (200). */
  readonly ratePerSecond?: number;
  /** Default: random. */
  readonly seed?: number;
  /** Events from outside the process (the demo's collector), appended beside the generated ones by their key. */
  readonly collected?: EventFeed;
}

/**
 * A live clickstream with no Kafka: the Faker generator appends events stamped with the wall
 * clock, in real time, to an {@link InMemoryTopic} of `DEFAULTS.demo.partitions` partitions
 * (keyed by URL), with a 503 burst every minute, a few late, out-of-order and malformed
 * records; the job reads the partitions as it reads Kafka's. The events of `collected` join
 * them, keyed as the collector keys them (by user). Unbounded; nothing is kept after the job,
 * so a restart starts a new stream.
 * @example startJob(errorRatesJob, { source: generatorSource({ ratePerSecond: 500 }), sink: fileSink('points.lp') })
 */
export function generatorSource(settings: GeneratorSourceSettings = {}): SourceConnector {
  const ratePerSecond = settings.ratePerSecond ?? DEFAULTS.demo.ratePerSecond;
  // The generator's own range (its ceiling is far below the producer's), named as --from writes it.
  if (!(ratePerSecond >= MIN_RATE_PER_SECOND)) {
    throw new ConfigError('--from', `generator:${ratePerSecond} is not a rate; give events per second from ${MIN_RATE_PER_SECOND} to ${DEFAULTS.demo.maxRatePerSecond}`);
  }
  if (ratePerSecond > DEFAULTS.demo.maxRatePerSecond) {
    throw new ConfigError('--from', `generator:${ratePerSecond} is more than the generator makes beside its job (${DEFAULTS.demo.maxRatePerSecond} events/s); for more, produce to Kafka with clickflow produce`);
  }
  const seed = settings.seed ?? Math.floor(Math.random() * 2 ** 32);
  checkSeed(seed);
  const { partitions } = DEFAULTS.demo;
  return {
    description: `generator (${partitions} partitions, ${ratePerSecond} events/s)`,
    open: async ({ gate, metrics }) => {
      // Imported on open: Faker costs every other run start-up time.
      const [{ ClickstreamGenerator }, { InMemoryTopic }, { InMemoryTopicSource }, { feedTopic }] = await Promise.all([
        import('../../producer/ClickstreamGenerator.js'),
        import('./InMemoryTopic.js'),
        import('./InMemoryTopicSource.js'),
        import('./feedTopic.js'),
      ]);
      const { demo, producer } = DEFAULTS;
      const generator = new ClickstreamGenerator({
        seed,
        urls: producer.urls,
        users: producer.users,
        errorRate: producer.errorRate,
        // Bursts count from here: the first one starts with the job.
        startTimeMs: Date.now(),
        eventsPerSecond: ratePerSecond,
        clock: Date.now,
        bursts: [demo.burst],
        late: demo.late,
        outOfOrderMs: demo.outOfOrderMs,
        invalidFraction: demo.invalidFraction,
      });
      const topic = new InMemoryTopic(partitions, demo.retainRecords);
      const source = new InMemoryTopicSource({ topic, gate, onLag: (partition, lag) => metrics.consumerLag.set(partition, lag) });
      const stopFeeding = feedTopic(topic, generator, ratePerSecond);
      // An event without a key goes where the empty key goes, as every such event does.
      const stopCollecting = settings.collected?.subscribe((messages) => {
        for (const message of messages) topic.append(message.key ?? '', message.value);
      });
      return {
        batches: source.batches,
        partitionCount: source.partitionCount,
        close: async () => {
          stopFeeding();
          stopCollecting?.();
          await source.close();
        },
      };
    },
  };
}
