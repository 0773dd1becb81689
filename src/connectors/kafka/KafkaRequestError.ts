import { ClickflowError } from '../../errors/ClickflowError.js';

/**
 * Kafka was reached but refused or failed a request: authentication, authorization, a message
 * too large, a consumer-group problem. `type` is Kafka's error name (`TOPIC_AUTHORIZATION_FAILED`)
 * when the broker gave one. Connection failures are {@link KafkaUnavailableError}s instead.
 */
export class KafkaRequestError extends ClickflowError {
  override readonly name = 'KafkaRequestError';
  readonly type: string | undefined;

  constructor(message: string, options: { type?: string; retriable: boolean; cause: unknown }) {
    super(message, { retriable: options.retriable, cause: options.cause });
    this.type = options.type;
  }
}
