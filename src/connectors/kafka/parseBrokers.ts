import { ConfigError } from '../../errors/ConfigError.js';

/** Splits and checks a broker list once, at construction: `host:port[,host:port…]`. */
export function parseBrokers(text: string): string[] {
  const brokers = text
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (brokers.length === 0 || brokers.some((b) => !/^[^:\s]+:\d{1,5}$/.test(b))) {
    throw new ConfigError('--brokers', `"${text}" is not a broker list; write host:port[,host:port…], e.g. localhost:9092`);
  }
  return brokers;
}
