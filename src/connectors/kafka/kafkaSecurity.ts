import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { ConfigError } from '../../errors/ConfigError.js';

/** The SASL mechanisms clickflow speaks, as Kafka's `sasl.enabled.mechanisms` names them in lower case. */
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * How clickflow authenticates to Kafka and encrypts the connection. Without it (the default)
 * it connects to a PLAINTEXT listener; `sasl` alone is SASL_PLAINTEXT, `ssl` alone SSL (with
 * `cert` and `key`, mutual TLS), both SASL_SSL.
 *
 * @example kafkaSource({ brokers: 'kafka1:9093', security: { sasl: { mechanism: 'scram-sha-512', username: 'clickflow', password }, ssl: { ca } } })
 */
export interface KafkaSecurity {
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
  /** TLS; the PEM texts (not paths) of the CA that signed the brokers' certificates and of a client certificate and its key. `{}` trusts Node's CAs. */
  readonly ssl?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
}

/** SASL without a password: the CLI refuses it while reading its options, a library caller here. */
export function missingSaslPassword(): ConfigError {
  return new ConfigError('--kafka-password-file', 'SASL needs a password: set KAFKA_SASL_PASSWORD or give --kafka-password-file <file>');
}

/**
 * The kafkajs `ssl` and `sasl` settings of a {@link KafkaSecurity}, checked once: a mechanism
 * kafkajs does not know, an empty username or password, or a certificate without its key is
 * refused with a message that says which option to set.
 * The password goes only into the client: no message here names it.
 */
export function kafkaSecurityConfig(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (security === undefined) return {};
  const config: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  const { sasl, ssl } = security;
  if (sasl !== undefined) {
    if (!(SASL_MECHANISMS as readonly string[]).includes(sasl.mechanism)) {
      throw new ConfigError('--kafka-sasl', `"${sasl.mechanism}" is not a SASL mechanism clickflow speaks; use ${SASL_MECHANISMS.join(', ')}`);
    }
    if (sasl.username === '') throw new ConfigError('--kafka-username', 'must not be empty with --kafka-sasl; set it or KAFKA_SASL_USERNAME');
    if (sasl.password === '') throw missingSaslPassword();
    config.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  }
  if (ssl !== undefined) {
    if ((ssl.cert === undefined) !== (ssl.key === undefined)) {
      throw new ConfigError(ssl.cert === undefined ? '--kafka-cert' : '--kafka-key', 'a client certificate needs its private key: give both --kafka-cert and --kafka-key');
    }
    const tls = {
      ...(ssl.ca === undefined ? {} : { ca: [ssl.ca] }),
      ...(ssl.cert === undefined ? {} : { cert: ssl.cert, key: ssl.key }),
    };
    config.ssl = Object.keys(tls).length === 0 ? true : tls;
  }
  return config;
}
