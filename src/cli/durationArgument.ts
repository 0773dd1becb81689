import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../errors/ConfigError.js';
import { parseDuration } from '../time/parseDuration.js';

/** Commander parser for a duration option (`500ms`, `10s`, `5m`, `1h`, `2d`), in whole milliseconds. */
export function durationArgument(text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidArgumentError(`${error.message.slice(error.option.length + 2)}.`);
    throw error;
  }
}
