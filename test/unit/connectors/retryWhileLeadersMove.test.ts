import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { retryWhileLeadersMove } from '../../../src/connectors/kafka/retryWhileLeadersMove.js';

type ErrorClass = new (error: unknown, details?: object) => Error;
const { KafkaJSProtocolError, KafkaJSNonRetriableError } = kafkajs as unknown as Record<string, ErrorClass>;
/** A broker's refusal, as kafkajs's admin throws it after bailing out of its own retries. */
const refusal = (type: string) => {
  const cause = new KafkaJSProtocolError({ type, code: 6, retriable: true, message: `broker says ${type}` });
  return new KafkaJSNonRetriableError(cause, { cause });
};

describe('retryWhileLeadersMove', () => {
  test('reads again while the broker says the leader is not there yet, then gives the answer', async () => {
    let attempts = 0;
    const answer = await retryWhileLeadersMove(async () => {
      attempts++;
      if (attempts === 1) throw refusal('NOT_LEADER_FOR_PARTITION');
      if (attempts === 2) throw refusal('LEADER_NOT_AVAILABLE');
      return [{ partition: 0, high: '7', low: '0' }];
    });
    assert.equal(attempts, 3);
    assert.deepEqual(answer, [{ partition: 0, high: '7', low: '0' }]);
  });

  test('any other failure is rethrown at once, as it came', async () => {
    let attempts = 0;
    const denied = refusal('TOPIC_AUTHORIZATION_FAILED');
    await assert.rejects(
      retryWhileLeadersMove(async () => {
        attempts++;
        throw denied;
      }),
      (error) => error === denied,
    );
    assert.equal(attempts, 1);
  });

  test('once the caller closes, the next refusal is rethrown instead of waited out', async () => {
    let attempts = 0;
    let closed = false;
    const moving = refusal('NOT_LEADER_FOR_PARTITION');
    await assert.rejects(
      retryWhileLeadersMove(
        async () => {
          attempts++;
          if (attempts === 2) closed = true;
          throw moving;
        },
        () => closed,
      ),
      (error) => error === moving,
    );
    assert.equal(attempts, 2, 'one retry while open, none after closing');
  });
});
