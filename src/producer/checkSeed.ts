import { ConfigError } from '../errors/ConfigError.js';

const USAGE = `write a whole number from 0 to ${Number.MAX_SAFE_INTEGER} (2^53 − 1), e.g. --seed 7`;

/**
 * Checks a `--seed`: a whole number from 0 to 2^53 − 1, every bit of which the generator uses.
 * A larger number cannot be one: JavaScript rounds it to a neighbour, and two seeds the user
 * wrote differently would give the same events.
 *
 * @example checkSeed(7) // 7
 * @throws ConfigError naming the accepted range
 */
export function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ConfigError('--seed', `${seed} is not a seed; ${USAGE}`);
  return seed;
}

/**
 * Parses the text of `--seed`: decimal digits only (no `1e3`, `0x10` or `7.0`, which `Number`
 * would take), within {@link checkSeed}'s range.
 *
 * @example parseSeed('42') // 42
 * @throws ConfigError naming the accepted range
 */
export function parseSeed(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) throw new ConfigError('--seed', `"${text}" is not a seed; ${USAGE}`);
  return value;
}
