import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { KafkaRequestError } from '../../../src/connectors/kafka/KafkaRequestError.js';
import { kafkaErrorOf } from '../../../src/connectors/kafka/kafkaErrorOf.js';
import { KafkaTopicMissingError } from '../../../src/connectors/kafka/KafkaTopicMissingError.js';
import { KafkaUnavailableError } from '../../../src/connectors/kafka/KafkaUnavailableError.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';

// kafkajs's own error classes, as its code throws them (CommonJS exports; its typings omit
// the constructors' second argument).
type ErrorClass = new (error: unknown, details?: object) => Error;
const {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
} = kafkajs as unknown as Record<string, ErrorClass>;

const context = { brokers: 'kafka1:9092', topic: 'clicks', group: 'g1' };
/** A broker's refusal, as kafkajs builds it from an error code. */
const protocol = (type: string, retriable = false) =>
  new KafkaJSProtocolError({ type, code: 1, retriable, message: `broker says ${type}` });
/** What kafkajs throws once its retries are used up: the real error is inside. */
const exhausted = (cause: Error) => new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 5000 });

describe('kafkaErrorOf', () => {
  test('connection failures, bare or inside the retry wrapper, are "cannot reach" with the hint to what exists', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' });
    for (const error of [
      refused,
      exhausted(refused),
      new KafkaJSNonRetriableError(refused, { cause: refused }),
      new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'),
    ]) {
      const mapped = kafkaErrorOf(error, context);
      assert.ok(mapped instanceof KafkaUnavailableError, `${error.name} → ${mapped.name}`);
      assert.match(mapped.message, /^cannot reach Kafka at kafka1:9092 \(/);
      assert.ok(mapped.message.includes('eval "$(npm run -s services:up)"'), mapped.message);
      assert.match(mapped.message, /--brokers \/ KAFKA_BROKERS/);
      assert.doesNotMatch(mapped.message, /docker/);
      assert.equal(mapped.retriable, true);
    }
  });

  test('refused authentication is not "cannot reach": it names the SASL options to check', () => {
    for (const error of [new KafkaJSSASLAuthenticationError('SASL PLAIN authentication failed'), exhausted(protocol('SASL_AUTHENTICATION_FAILED'))]) {
      const mapped = kafkaErrorOf(error, context);
      assert.ok(mapped instanceof KafkaRequestError, mapped.name);
      assert.match(mapped.message, /^Kafka at kafka1:9092 refused authentication \(.*\); check --kafka-sasl .*--kafka-username and the password \(KAFKA_SASL_PASSWORD or --kafka-password-file\)/);
      assert.equal(mapped.retriable, false);
    }
  });

  test('a TLS certificate problem is not "cannot reach": an unknown broker CA names --kafka-ca, a refused client certificate --kafka-cert', () => {
    const untrusted = new KafkaJSConnectionError('Connection error: unable to verify the first certificate', { broker: 'kafka1:9092', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const mapped = kafkaErrorOf(exhausted(untrusted), context);
    assert.match(mapped.message, /^the TLS certificate of Kafka at kafka1:9092 was not accepted \(.*\); give the PEM .*--kafka-ca \(KAFKA_SSL_CA\)/);
    assert.equal(mapped.retriable, false);
    const noClientCertificate = new KafkaJSConnectionError('Connection error: sslv3 alert bad certificate', { broker: 'kafka1:9092', code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' });
    assert.match(kafkaErrorOf(noClientCertificate, context).message, /did not accept this client's TLS certificate .*--kafka-cert and --kafka-key/);
  });

  test('each kind of refusal names its cause, the topic or group, and what to do', () => {
    const cases: [string, RegExp][] = [
      ['TOPIC_AUTHORIZATION_FAILED', /^not allowed to use topic "clicks" on kafka1:9092 \(TOPIC_AUTHORIZATION_FAILED: .*kafka-acls/],
      ['GROUP_AUTHORIZATION_FAILED', /^not allowed to use consumer group "g1" .*GROUP_AUTHORIZATION_FAILED.*--group/],
      ['CLUSTER_AUTHORIZATION_FAILED', /^not allowed a cluster operation .*IdempotentWrite/],
      ['MESSAGE_TOO_LARGE', /refused a message to "clicks" as too large \(MESSAGE_TOO_LARGE: .*max\.message\.bytes/],
      ['RECORD_LIST_TOO_LARGE', /as too large \(RECORD_LIST_TOO_LARGE/],
      ['INVALID_GROUP_ID', /"g1" is not a valid group id.*--group/],
      ['INCONSISTENT_GROUP_PROTOCOL', /in use by consumers of another kind.*--group of its own/],
      ['GROUP_MAX_SIZE_REACHED', /"g1" is full.*group\.max\.size/],
      ['OFFSET_METADATA_TOO_LARGE', /checkpoint as too large.*offset\.metadata\.max\.bytes/],
      ['CORRUPT_MESSAGE', /^Kafka at kafka1:9092 refused a request \(CORRUPT_MESSAGE: broker says CORRUPT_MESSAGE\)/],
    ];
    for (const [type, pattern] of cases) {
      const mapped = kafkaErrorOf(exhausted(protocol(type)), context);
      assert.ok(mapped instanceof KafkaRequestError, `${type} → ${mapped.name}`);
      assert.equal(mapped.type, type);
      assert.match(mapped.message, pattern);
      assert.doesNotMatch(mapped.message, /cannot reach/);
      assert.equal(mapped.retriable, false, type);
    }
  });

  test('a rebalance or a coordinator still loading is retriable: a commit it refuses is retried, not fatal', () => {
    for (const type of ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE']) {
      const mapped = kafkaErrorOf(protocol(type), context);
      assert.ok(mapped instanceof KafkaRequestError);
      assert.equal(mapped.retriable, true, type);
      assert.doesNotMatch(mapped.message, /cannot reach/);
    }
  });

  test('an unknown input topic is the usage error that says how to create it; another topic is named as missing', () => {
    const input = kafkaErrorOf(exhausted(protocol('UNKNOWN_TOPIC_OR_PARTITION', true)), { ...context, topicIsInput: true });
    assert.ok(input instanceof KafkaTopicMissingError && input instanceof ConfigError);
    assert.match(input.message, /clickflow produce --topic clicks/);
    const other = kafkaErrorOf(protocol('UNKNOWN_TOPIC_OR_PARTITION', true), { brokers: 'k:1', topic: 'clicks.dlq' });
    assert.ok(other instanceof KafkaRequestError);
    assert.match(other.message, /^topic "clicks.dlq" does not exist on k:1/);
  });

  test('clickflow errors pass through; anything else is reported with its name and message', () => {
    const own = new KafkaTopicMissingError('t', 'b');
    assert.equal(kafkaErrorOf(own, context), own);
    const odd = kafkaErrorOf(new TypeError('x is not a function'), context);
    assert.ok(odd instanceof KafkaRequestError);
    assert.match(odd.message, /^the Kafka client failed talking to kafka1:9092 \(TypeError: x is not a function\)/);
  });
});
