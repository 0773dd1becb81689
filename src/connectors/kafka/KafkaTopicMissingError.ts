import { ConfigError } from '../../errors/ConfigError.js';

/** The topic a job should read does not exist on the brokers. */
export class KafkaTopicMissingError extends ConfigError {
  constructor(topic: string, brokers: string) {
    super(
      '--topic',
      `topic "${topic}" does not exist on ${brokers}; send events to it first (clickflow produce --topic ${topic}, ` +
        'which creates it) or pick an existing topic',
    );
  }
}
