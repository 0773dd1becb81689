import { InvalidArgumentError } from 'commander';

/** Commander parser for `--port`: 0 (any free port) to 65535. */
export function portArgument(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < 0 || value > 65_535) {
    throw new InvalidArgumentError(`"${text}" must be a TCP port from 0 (any free one) to 65535.`);
  }
  return value;
}
