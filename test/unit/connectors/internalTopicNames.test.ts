import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { internalTopicNames } from '../../../src/connectors/kafka/internalTopics.js';
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
});
