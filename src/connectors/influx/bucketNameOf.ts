import type { InfluxTarget } from './InfluxTarget.js';

/** How InfluxDB 2 writes a bucket's ID: 16 lowercase hex digits. */
const BUCKET_ID = /^[0-9a-f]{16}$/;

/**
 * The name of the bucket a target writes to. The write API takes a bucket's name or its ID, so a
 * check on names (a backfill's "never the live bucket") must look an ID up first. A bucket that
 * is not an ID, or an ID the server does not know (a bucket named like one), or a server that
 * does not answer, gives the text as it came: the write itself reports those.
 */
export async function bucketNameOf(target: InfluxTarget, timeoutMs = 10_000): Promise<string> {
  if (!BUCKET_ID.test(target.bucket)) return target.bucket;
  try {
    const response = await fetch(`${target.url.replace(/\/+$/, '')}/api/v2/buckets/${target.bucket}`, {
      headers: { Authorization: `Token ${target.token}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return target.bucket;
    const { name } = (await response.json()) as { name?: unknown };
    return typeof name === 'string' ? name : target.bucket;
  } catch {
    return target.bucket;
  }
}
