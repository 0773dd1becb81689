import { InvalidArgumentError } from 'commander';
import { DEFAULTS } from '../config/defaults.js';
import { MIN_RATE_PER_SECOND, RATE_TEXT } from '../producer/checkRate.js';

/**
 * Parses the generator's events per second (`--from generator:<rate>`, `demo --rate`): a plain
 * decimal number from 0.001 to the generator's own ceiling, which is far below the producer's,
 * so its message names that ceiling rather than `--rate`'s range of `clickflow produce`.
 *
 * @param text the rate as written, e.g. `500`
 * @param example how the user writes one, for the message, e.g. `generator:500`
 * @throws InvalidArgumentError naming the accepted range (commander exits 2 on it)
 */
export function generatorRateArgument(text: string, example: string): number {
  const max = DEFAULTS.demo.maxRatePerSecond;
  const rate = Number(text);
  if (!RATE_TEXT.test(text) || !(rate >= MIN_RATE_PER_SECOND)) {
    throw new InvalidArgumentError(`"${text}" is not a rate; write events per second from ${MIN_RATE_PER_SECOND} to ${max}, e.g. ${example}.`);
  }
  if (rate > max) {
    throw new InvalidArgumentError(`${text} is more than the generator makes beside its job; give at most ${max}, or for more produce to Kafka with clickflow produce.`);
  }
  return rate;
}
