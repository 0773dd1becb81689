import { ClickflowError } from '../../errors/ClickflowError.js';

/** The brokers could not be reached or refused the request after retries. */
export class KafkaUnavailableError extends ClickflowError {
  override readonly name = 'KafkaUnavailableError';

  constructor(brokers: string, cause: unknown) {
    super(
      `cannot reach Kafka at ${brokers} (${(cause as Error)?.message ?? String(cause)}); ` +
        'start it (docker compose up -d, or npm run services:up) or point --brokers / KAFKA_BROKERS at a running broker',
      { retriable: true, cause },
    );
  }
}
