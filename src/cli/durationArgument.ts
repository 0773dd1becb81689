import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../errors/ConfigError.js';
import { parseDuration } from '../time/parseDuration.js';

/** Commander parser for a duration option (`500ms`, `10s`, `5m`, `1h`), in milliseconds. */
export function durationArgument(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new InvalidArgumentError(`"${text}" is not a duration; write a number and a unit: 500ms, 10s, 5m, 1h.`);
    }
    throw error;
  }
}
