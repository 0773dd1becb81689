import { ClickflowError } from '../../errors/ClickflowError.js';

/**
 * No broker could be reached (refused, unknown host, timed out, closed connections) after the
 * client's retries. Other failures are {@link KafkaRequestError}s: see `kafkaErrorOf`.
 */
export class KafkaUnavailableError extends ClickflowError {
  override readonly name = 'KafkaUnavailableError';

  constructor(brokers: string, cause: unknown) {
    super(
      `cannot reach Kafka at ${brokers} (${(cause as Error)?.message ?? String(cause)}); ` +
        'start a broker (in a clickflow checkout, eval "$(npm run -s services:up)" starts one and exports KAFKA_BROKERS) ' +
        'or point --brokers / KAFKA_BROKERS at a running one',
      { retriable: true, cause },
    );
  }
}
