import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { internalTopicNames, isInternalTopicOf } from '../../../src/connectors/kafka/internalTopics.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';

describe('internal topic names', () => {
  test('one per move, after the group, as Kafka Streams names its repartition topics', () => {
    assert.deepEqual(internalTopicNames('clickflow-sessions', 2), ['clickflow-sessions-move-1-repartition', 'clickflow-sessions-move-2-repartition']);
    assert.deepEqual(internalTopicNames('g', 0), []);
  });

  test('a group too long for them says how long it may be; one with characters a topic cannot hold names them', () => {
    const limit = 249 - '-move-3-repartition'.length;
    assert.equal(internalTopicNames('g'.repeat(limit), 3).length, 3);
    assert.throws(() => internalTopicNames('g'.repeat(limit + 1), 3), (e) => e instanceof ConfigError && new RegExp(`at most ${limit}$`).test(e.message) && /^--group/.test(e.message));
    assert.throws(() => internalTopicNames('my group', 1), (e) => e instanceof ConfigError && /not a Kafka topic name/.test(e.message));
  });

  test('a group\'s internal topics are told from others, also those of a group whose name starts with it', () => {
    for (const name of internalTopicNames('g', 3)) assert.ok(isInternalTopicOf('g', name), name);
    for (const other of ['g-move-1-repartition-x', 'g-move--repartition', 'g-move-0-repartition', 'g-x-move-1-repartition', 'g2-move-1-repartition', 'g-move-1']) {
      assert.ok(!isInternalTopicOf('g', other), other);
    }
  });
});
