import { Faker, base, en } from '@faker-js/faker';
import type { BurstSpec } from './BurstSpec.js';
import { checkSeed } from './checkSeed.js';
import { SeededRandom } from './SeededRandom.js';
import { ZipfSampler } from './ZipfSampler.js';

/** Options of {@link ClickstreamGenerator}; defaults live in `DEFAULTS.producer`. */
export interface GeneratorOptions {
  /** Same seed and options, same records, byte for byte; a whole number from 0 to 2^53 − 1, every bit of which counts. */
  readonly seed: number;
  /** Distinct URLs; popularity follows a Zipf law (a few hot pages, a long tail). */
  readonly urls: number;
  /** Distinct users, each with sessions of a few dozen events. */
  readonly users: number;
  /** Share of events with a 4xx or 5xx status outside bursts, 0..1. */
  readonly errorRate: number;
  /**
   * Event time of record i is `startTimeMs + i * 1000 / eventsPerSecond` when `clock` is
   * absent: a reproducible timeline.
   */
  readonly startTimeMs: number;
  readonly eventsPerSecond: number;
  /** Live mode: stamp events with this clock instead of the reproducible timeline. */
  readonly clock?: () => number;
  readonly bursts: readonly BurstSpec[];
  /** Share of events sent late, each delayed by a uniform `[maxDelayMs / 2, maxDelayMs]`. */
  readonly late?: { readonly fraction: number; readonly maxDelayMs: number };
  /** Every event's time is moved back by a uniform `[0, outOfOrderMs]`. */
  readonly outOfOrderMs: number;
  /** Share of records that are malformed, each kind of fault in turn. */
  readonly invalidFraction: number;
}

/** One generated record: Kafka key and value. */
export interface GeneratedRecord {
  /** The URL, so that one URL stays on one partition; for a malformed record, `invalid`. */
  readonly key: string;
  /** The JSON text sent. */
  readonly value: string;
}

const SUCCESS_STATUSES = [200, 200, 200, 200, 200, 200, 200, 200, 201, 204, 301, 302, 304];
const CLIENT_ERRORS = [404, 404, 404, 404, 400, 401, 403, 429];
const SERVER_ERRORS = [500, 500, 502, 503, 503, 504];
const METHODS = ['"GET"', '"GET"', '"GET"', '"GET"', '"GET"', '"GET"', '"POST"', '"POST"', '"PUT"', '"DELETE"'];
const REFERRERS = 64;
const USER_AGENTS = 48;

/**
 * Generates a realistic synthetic clickstream in the engine's event schema.
 *
 * Faker builds the pools once (URL paths, user ids, user agents, referrers); each event is
 * then drawn from them with a seeded PRNG and written as JSON by concatenation of pre-encoded
 * strings, so that generation runs at millions of events per second and never limits the producer.
 */
export class ClickstreamGenerator {
  private readonly random: SeededRandom;
  private readonly urlJson: string[];
  private readonly urlKeys: string[];
  private readonly userJson: string[];
  private readonly userAgentJson: string[];
  private readonly referrerJson: string[];
  private readonly urlSampler: ZipfSampler;
  private readonly userSampler: ZipfSampler;
  /** Per user: current session id (JSON) and events left in it. */
  private readonly sessions: { id: string; left: number }[];
  private index = 0;
  private invalidKind = 0;

  constructor(private readonly options: GeneratorOptions) {
    checkSeed(options.seed);
    const faker = new Faker({ locale: [en, base] });
    const low = options.seed >>> 0;
    const high = Math.floor(options.seed / 2 ** 32);
    // Faker keeps only the low 32 bits of a numeric seed; its array form (MT19937's
    // init_by_array) takes both halves. A seed below 2^32 keeps the numeric form, and so the
    // pools it always gave.
    faker.seed(high === 0 ? low : [low, high]);
    // The same seed with its low half scrambled, so that the draws are not Faker's own stream.
    this.random = new SeededRandom(high * 2 ** 32 + ((low ^ 0x9e3779b9) >>> 0));
    const paths = new Set<string>();
    while (paths.size < options.urls) {
      const depth = 1 + (paths.size % 3);
      const parts = [faker.commerce.department(), faker.word.noun(), faker.word.noun()].slice(0, depth);
      let path = parts.map((p) => faker.helpers.slugify(p).toLowerCase()).join('/');
      if (paths.has(path)) path = `${path}/${paths.size}`;
      paths.add(path);
    }
    this.urlKeys = [...paths];
    this.urlJson = this.urlKeys.map((p) => JSON.stringify(p));
    this.userJson = Array.from({ length: options.users }, () => JSON.stringify(faker.string.uuid()));
    this.userAgentJson = Array.from({ length: USER_AGENTS }, () => JSON.stringify(faker.internet.userAgent()));
    this.referrerJson = Array.from({ length: REFERRERS }, () => JSON.stringify(faker.internet.url()));
    this.urlSampler = new ZipfSampler(options.urls, 1.1);
    this.userSampler = new ZipfSampler(options.users, 0.8);
    this.sessions = Array.from({ length: options.users }, () => ({ id: '', left: 0 }));
  }

  /** How many records have been generated. */
  get generated(): number {
    return this.index;
  }

  next(): GeneratedRecord {
    const { options, random } = this;
    const i = this.index++;
    const baseMs = options.clock?.() ?? options.startTimeMs + Math.floor((i * 1000) / options.eventsPerSecond);
    let timeMs = baseMs;
    if (options.outOfOrderMs > 0) timeMs -= random.int(options.outOfOrderMs + 1);
    if (options.late !== undefined && random.next() < options.late.fraction) {
      const { maxDelayMs } = options.late;
      timeMs -= Math.ceil(maxDelayMs / 2) + random.int(Math.floor(maxDelayMs / 2) + 1);
    }
    const urlIndex = this.urlSampler.sample(random);
    const userIndex = this.userSampler.sample(random);
    const session = this.sessions[userIndex]!;
    if (session.left === 0) {
      session.id = `"${random.hex32()}"`;
      session.left = 5 + random.int(40);
    }
    session.left--;
    const status = this.status(baseMs);
    const latencyMs = 5 + Math.floor(Math.pow(random.next(), 3) * 1500);
    const fields =
      `"user_id":${this.userJson[userIndex]},"url":${this.urlJson[urlIndex]},"http_status":${status},` +
      `"event_timestamp":${(timeMs / 1000).toFixed(3)},"session_id":${session.id},` +
      `"method":${random.pick(METHODS)},"referrer":${random.pick(this.referrerJson)},` +
      `"user_agent":${random.pick(this.userAgentJson)},"latency_ms":${latencyMs},"event_id":"${random.hex32()}"`;
    if (options.invalidFraction > 0 && random.next() < options.invalidFraction) {
      return { key: 'invalid', value: this.malformed(fields, status) };
    }
    return { key: this.urlKeys[urlIndex]!, value: `{${fields}}` };
  }

  private status(baseMs: number): number {
    const { options, random } = this;
    for (const burst of options.bursts) {
      const sinceStart = baseMs - options.startTimeMs;
      const inBurst =
        burst.everyMs === undefined
          ? sinceStart >= 0 && sinceStart < burst.durationMs
          : ((sinceStart % burst.everyMs) + burst.everyMs) % burst.everyMs < burst.durationMs;
      if (inBurst && random.next() < burst.fraction) return burst.status;
    }
    if (random.next() >= options.errorRate) return random.pick(SUCCESS_STATUSES);
    return random.next() < 0.7 ? random.pick(CLIENT_ERRORS) : random.pick(SERVER_ERRORS);
  }

  /** One malformed record, cycling through the kinds of fault the job must route. */
  private malformed(fields: string, status: number): string {
    switch (this.invalidKind++ % 5) {
      case 0:
        return `{${fields.slice(0, Math.floor(fields.length / 2))}`;
      case 1:
        return `{${fields.replace(/"url":"[^"]*",/, '')}}`;
      case 2:
        return `{${fields.replace(`"http_status":${status}`, `"http_status":"${status}"`)}}`;
      case 3:
        return `{${fields.replace(`"http_status":${status}`, '"http_status":700')}}`;
      default:
        return `{${fields.replace(/"event_timestamp":[0-9.]+/, '"event_timestamp":"yesterday"')}}`;
    }
  }
}
