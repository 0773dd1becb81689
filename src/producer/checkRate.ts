import { ConfigError } from '../errors/ConfigError.js';

/** One event every 1000 s: a slower rate is a typo (`1e-9`), and would look like a hang. */
export const MIN_RATE_PER_SECOND = 0.001;
/** Well beyond what one producer sends; for "as fast as possible", leave `--rate` out. */
export const MAX_RATE_PER_SECOND = 10_000_000;

const USAGE =
  `write a number of events per second greater than 0, from ${MIN_RATE_PER_SECOND} (one every ${1 / MIN_RATE_PER_SECOND} s) ` +
  `to ${MAX_RATE_PER_SECOND}, e.g. --rate 500; leave --rate out to send as fast as the broker takes them`;

/**
 * Checks a `--rate` in events per second against the range the producer paces.
 *
 * @example checkRate(500) // 500
 * @throws ConfigError naming the accepted range
 */
export function checkRate(rate: number): number {
  if (!inRange(rate)) throw new ConfigError('--rate', `${rate} is out of range; ${USAGE}`);
  return rate;
}

/**
 * Parses the text of `--rate`: a plain decimal number (`500`, `0.5`, `2e3`; not `0x10` or
 * `Infinity`, which `Number` would take) within {@link checkRate}'s range.
 *
 * @example parseRate('0.5') // 0.5
 * @throws ConfigError naming the accepted range
 */
export function parseRate(text: string): number {
  if (!RATE_TEXT.test(text)) throw new ConfigError('--rate', `"${text}" is not a rate; ${USAGE}`);
  const rate = Number(text);
  if (!inRange(rate)) throw new ConfigError('--rate', `"${text}" is out of range; ${USAGE}`);
  return rate;
}

/** A plain decimal number as `--rate` takes it: `500`, `0.5`, `2e3`; not `0x10` or `Infinity`, which `Number` would take. */
export const RATE_TEXT = /^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function inRange(rate: number): boolean {
  return rate >= MIN_RATE_PER_SECOND && rate <= MAX_RATE_PER_SECOND;
}
