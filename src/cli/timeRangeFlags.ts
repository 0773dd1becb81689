import { ConfigError } from '../errors/ConfigError.js';

/** `--from-time` and `--to-time` as `isoTimeArgument` parsed them, checked to make a range. */
export function timeRangeFlags(flags: Record<string, unknown>): { readonly fromMs: number; readonly toMs: number } {
  const fromMs = flags.fromTime as number;
  const toMs = flags.toTime as number;
  if (!(toMs > fromMs)) throw new ConfigError('--to-time', `must be after --from-time (${new Date(fromMs).toISOString()})`);
  return { fromMs, toMs };
}
