import { ClickflowError } from '../../errors/ClickflowError.js';
import { KafkaRequestError } from './KafkaRequestError.js';
import { KafkaTopicMissingError } from './KafkaTopicMissingError.js';
import { KafkaUnavailableError } from './KafkaUnavailableError.js';

/** What a failed Kafka call was about, for the message. */
export interface KafkaErrorContext {
  readonly brokers: string;
  /** The topic the call used. */
  readonly topic?: string;
  /** Set when the topic is the one `--topic` names: a missing one is then a usage error. */
  readonly topicIsInput?: boolean;
  readonly group?: string;
}

/** Errors kafkajs raises when it cannot talk to any broker (its own names; `instanceof` would tie this to its class identities). */
const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
]);
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
/** Passing states of a consumer group: the next attempt usually succeeds. */
const REBALANCING = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP']);
const COORDINATOR_NOT_READY = new Set(['GROUP_COORDINATOR_NOT_AVAILABLE', 'GROUP_LOAD_IN_PROGRESS']);
const SASL = new Set(['SASL_AUTHENTICATION_FAILED', 'UNSUPPORTED_SASL_MECHANISM', 'ILLEGAL_SASL_STATE']);
/** Node's codes for a broker certificate TLS did not accept: retrying cannot help, --kafka-ca can. */
const TLS_CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/** OpenSSL's codes for a broker that refused the client's certificate, or its absence. */
const TLS_CLIENT_CERTIFICATE_CODES = new Set(['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA']);

type KafkaJsError = Error & { type?: string; code?: unknown; retriable?: boolean; cause?: unknown; errors?: unknown[] };

/**
 * Turns whatever a kafkajs call threw into a clickflow error that says what went wrong and
 * what to do: an unreachable broker ({@link KafkaUnavailableError}), a missing input topic
 * ({@link KafkaTopicMissingError}, a usage error), or a refused request
 * ({@link KafkaRequestError}: authentication, authorization, a message too large, the consumer
 * group, …). kafkajs wraps the real cause in retry errors; the innermost one is reported.
 * Errors clickflow raised itself pass through unchanged.
 *
 * @example catch (error) { throw kafkaErrorOf(error, { brokers, topic, group }); }
 */
export function kafkaErrorOf(error: unknown, context: KafkaErrorContext): ClickflowError {
  if (error instanceof ClickflowError) return error;
  const cause = rootCause(error);
  if (cause instanceof ClickflowError) return cause;
  const { brokers, topic, group } = context;
  const type = cause.type;
  const detail = `${type ?? cause.name}: ${cause.message.trim()}`;
  const refused = (what: string, fix: string, retriable = false) =>
    new KafkaRequestError(`${what} (${detail}); ${fix}`, { type, retriable, cause: error });
  if (typeof cause.code === 'string' && TLS_CERTIFICATE_CODES.has(cause.code)) {
    return refused(
      `the TLS certificate of Kafka at ${brokers} was not accepted`,
      "give the PEM of the CA that signed the brokers' certificates with --kafka-ca (KAFKA_SSL_CA), and connect by a name or IP address the certificate holds",
    );
  }
  if (typeof cause.code === 'string' && TLS_CLIENT_CERTIFICATE_CODES.has(cause.code)) {
    return refused(
      `Kafka at ${brokers} did not accept this client's TLS certificate`,
      'its listener requires one: give --kafka-cert and --kafka-key (KAFKA_SSL_CERT, KAFKA_SSL_KEY), signed by a CA the broker trusts',
    );
  }
  if (isConnectionError(cause)) return new KafkaUnavailableError(brokers, cause);

  if (cause.name === 'KafkaJSSASLAuthenticationError' || (type !== undefined && SASL.has(type))) {
    return refused(
      `Kafka at ${brokers} refused authentication`,
      'check --kafka-sasl (the mechanism the listener enables: plain, scram-sha-256 or scram-sha-512), --kafka-username and the password ' +
        '(KAFKA_SASL_PASSWORD or --kafka-password-file); a listener that asks for SASL needs --kafka-sasl, a SASL_SSL one also --kafka-ssl',
    );
  }
  switch (type) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      if (topic !== undefined && context.topicIsInput === true) return new KafkaTopicMissingError(topic, brokers);
      return refused(`topic ${quoted(topic)} does not exist on ${brokers}`, 'create it, or name an existing topic');
    case 'TOPIC_AUTHORIZATION_FAILED':
      return refused(
        `not allowed to use topic ${quoted(topic)} on ${brokers}`,
        'grant this client the ACLs it needs on the topic (kafka-acls.sh: Read and Describe to consume, Write to produce), or use another topic',
      );
    case 'GROUP_AUTHORIZATION_FAILED':
      return refused(`not allowed to use consumer group ${quoted(group)} on ${brokers}`, 'grant it Read on the group (kafka-acls.sh) or choose another --group');
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return refused(
        `not allowed a cluster operation on ${brokers}`,
        'grant this client IdempotentWrite (and Create, for the topics clickflow creates) on the cluster with kafka-acls.sh',
      );
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
      return refused(
        `Kafka at ${brokers} refused a message to ${quoted(topic)} as too large`,
        "raise the topic's max.message.bytes (kafka-configs.sh) or the broker's message.max.bytes",
      );
    case 'INVALID_GROUP_ID':
      return refused(`consumer group ${quoted(group)} is not a valid group id`, 'give --group a non-empty name');
    case 'INCONSISTENT_GROUP_PROTOCOL':
      return refused(`consumer group ${quoted(group)} is in use by consumers of another kind`, 'give clickflow a --group of its own');
    case 'GROUP_MAX_SIZE_REACHED':
      return refused(`consumer group ${quoted(group)} is full`, "stop an instance, or raise the broker's group.max.size");
    case 'FENCED_INSTANCE_ID':
      return refused(`another member of group ${quoted(group)} took this instance's place`, 'run one instance per group.instance.id');
    case 'OFFSET_METADATA_TOO_LARGE':
      return refused(
        `Kafka at ${brokers} refused a commit's checkpoint as too large`,
        "raise the broker's offset.metadata.max.bytes (the checkpoint needs about 80 bytes, plus the path of each output file)",
      );
    default:
  }
  if (type !== undefined && REBALANCING.has(type)) {
    return refused(`consumer group ${quoted(group)} is rebalancing`, 'this passes on its own; the next attempt usually succeeds', true);
  }
  if (type !== undefined && COORDINATOR_NOT_READY.has(type)) {
    return refused(`Kafka at ${brokers} is not ready to coordinate group ${quoted(group)} yet`, 'a starting broker needs a moment; try again', true);
  }
  if (cause.name === 'KafkaJSServerDoesNotSupportApiKey') {
    return refused(`the broker at ${brokers} is too old for this client`, 'use Kafka 0.11 or later');
  }
  return refused(
    type === undefined ? `the Kafka client failed talking to ${brokers}` : `Kafka at ${brokers} refused a request`,
    "check the broker's log; CLICKFLOW_KAFKA_LOGS=1 prints the client's own",
    cause.retriable === true,
  );
}

/** Kafka's name for the error a kafkajs call failed with (`NOT_LEADER_FOR_PARTITION`), under kafkajs's wrappers; undefined when the broker gave none. */
export function kafkaErrorTypeOf(error: unknown): string | undefined {
  return rootCause(error).type;
}

/** The error kafkajs's retry and crash wrappers hold inside. */
function rootCause(error: unknown): KafkaJsError {
  let current = (error instanceof Error ? error : new Error(String(error))) as KafkaJsError;
  for (let depth = 0; depth < 8; depth++) {
    const inner = current.cause ?? current.errors?.[0];
    if (!(inner instanceof Error) || inner === current) break;
    current = inner as KafkaJsError;
  }
  return current;
}

function isConnectionError(error: KafkaJsError): boolean {
  return CONNECTION_ERRORS.has(error.name) || (typeof error.code === 'string' && CONNECTION_CODES.has(error.code));
}

function quoted(name: string | undefined): string {
  return name === undefined ? '(unknown)' : `"${name}"`;
}
