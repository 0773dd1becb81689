import { ConfigError } from '../errors/ConfigError.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/**
 * Parses a duration written as a number and a unit (`500ms`, `10s`, `1.5m`, `1h`, `2d`)
 * into whole milliseconds. A bare number is refused: a unit-less `10` is too easy to misread.
 *
 * @param text the duration as the user wrote it
 * @param option the option name used in the error message, e.g. `--window`
 * @throws ConfigError naming the option and the accepted forms
 */
export function parseDuration(text: string, option = 'duration'): number {
  const match = DURATION.exec(text);
  if (match === null) {
    throw new ConfigError(
      option,
      `"${text}" is not a duration; write a number and a unit: 500ms, 10s, 5m, 1h or 2d`,
    );
  }
  // In decimal, exactly: 1000000.5ms must not round to 1000001 (nor 1.1s become 1100.0000000000002).
  const [integer, fraction = ''] = match[1]!.split('.');
  const scaled = BigInt(integer! + fraction) * BigInt(UNIT_MS[match[2]!]!);
  const divisor = 10n ** BigInt(fraction.length);
  if (scaled / divisor > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ConfigError(option, `"${text}" is too long a duration`);
  }
  if (scaled % divisor !== 0n) {
    const nearest = Math.max(1, Math.round(Number(scaled) / Number(divisor)));
    throw new ConfigError(option, `"${text}" is not whole milliseconds; durations count whole milliseconds, e.g. ${formatDuration(nearest)}`);
  }
  return Number(scaled / divisor);
}

/** Formats milliseconds back into the shortest exact duration string (`10000` → `10s`). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit]!;
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
