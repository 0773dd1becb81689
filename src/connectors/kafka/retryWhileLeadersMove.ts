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

/**
 * Runs an admin read (offsets of a topic, by time or at its ends) again while the broker
 * answers that a partition has no leader yet (`DEFAULTS.kafka.leaderRetry`); any other failure,
 * or one that outlasts the budget, is rethrown as it came. Once `stopped()` says the caller is
 * closing (Ctrl-C), the next failure is rethrown rather than waited out: closing then waits for
 * one delay at most (≤ `maxDelayMs`), not the whole budget.
 *
 * @example const ends = await retryWhileLeadersMove(() => admin.fetchTopicOffsets(topic), () => closed);
 */
export function retryWhileLeadersMove<T>(read: () => Promise<T>, stopped: () => boolean = () => false): Promise<T> {
  return createRetry(DEFAULTS.kafka.leaderRetry, (error) => ({ retriable: !stopped() && LEADER_MOVING.has(kafkaErrorTypeOf(error) ?? '') }))(read);
}
