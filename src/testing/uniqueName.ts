import { randomBytes } from 'node:crypto';

/** A name no other test uses, for topics, consumer groups and buckets: `prefix-<hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
