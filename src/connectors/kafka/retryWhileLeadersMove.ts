import { DEFAULTS } from '../../config/defaults.js';
import { createRetry } from '../../runtime/createRetry.js';
import { kafkaErrorTypeOf } from './kafkaErrorOf.js';

/** Kafka's answers while a partition's leadership is being settled: the same request soon succeeds. */
const LEADER_MOVING = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'OFFSET_NOT_AVAILABLE',
  'UNKNOWN_LEADER_EPOCH',
  'FENCED_LEADER_EPOCH',
]);

const retry = createRetry(DEFAULTS.kafka.leaderRetry, (error) => ({ retriable: LEADER_MOVING.has(kafkaErrorTypeOf(error) ?? '') }));

/**
 * Runs an admin read (offsets of a topic, by time or at its ends) again while the broker
 * answers that a partition has no leader yet (`DEFAULTS.kafka.leaderRetry`); any other failure,
 * or one that outlasts the budget, is rethrown as it came.
 *
 * @example const ends = await retryWhileLeadersMove(() => admin.fetchTopicOffsets(topic));
 */
export function retryWhileLeadersMove<T>(read: () => Promise<T>): Promise<T> {
  return retry(read);
}
