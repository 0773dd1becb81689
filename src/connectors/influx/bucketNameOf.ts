import { ConfigError } from '../../errors/ConfigError.js';
import type { InfluxTarget } from './InfluxTarget.js';

/** How InfluxDB 2 writes a bucket's ID: 16 hex digits (it takes them in either case). */
const BUCKET_ID = /^[0-9a-f]{16}$/i;

/**
 * The name of a bucket given by name or by ID. The write API takes either, so a check on names (a
 * backfill's "never the live bucket") must look an ID up first. Text that is not an ID, and an ID
 * the server does not know (404: a bucket named like one), is the name as it came. An ID that
 * cannot be looked up (a token that may only write, a server that does not answer) throws a
 * `ConfigError` for `option`: the check cannot be made, so it must not pass. `signal` (Ctrl-C)
 * cuts the lookup short; the caller then sees `signal.aborted`.
 */
export async function bucketNameOf(target: InfluxTarget, option: string, signal?: AbortSignal, timeoutMs = 10_000): Promise<string> {
  const { bucket } = target;
  if (!BUCKET_ID.test(bucket)) return bucket;
  const cannot = (why: string) =>
    new ConfigError(option, `"${bucket}" looks like a bucket ID, and InfluxDB at ${target.url} could not say which bucket it is (${why}): give the bucket by its name`);
  let response: Response;
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    response = await fetch(`${target.url.replace(/\/+$/, '')}/api/v2/buckets/${bucket.toLowerCase()}`, {
      headers: { Authorization: `Token ${target.token}` },
      signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
    });
  } catch (error) {
    if (signal?.aborted) return bucket;
    throw cannot((error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (error as Error).message);
  }
  if (response.status === 404) return bucket;
  if (!response.ok) throw cannot(`HTTP ${response.status}${response.status === 401 || response.status === 403 ? ', the token may not read buckets' : ''}`);
  const { name } = (await response.json().catch(() => ({}))) as { name?: unknown };
  if (typeof name !== 'string') throw cannot('its answer names no bucket');
  return name;
}
