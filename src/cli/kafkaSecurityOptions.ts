import { InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../errors/ConfigError.js';
import { SASL_MECHANISMS, type KafkaSecurity, type SaslMechanism } from '../connectors/kafka/kafkaSecurity.js';
import type { KafkaSecuritySpec } from '../runtime/JobSpec.js';
import { resolveKafkaSecurity } from '../runtime/resolveKafkaSecurity.js';
import { RUN_FLAG_NAMES } from './runFlagNames.js';

/**
 * The Kafka security options of every command that talks to Kafka (`run`, `produce`, and so
 * jobs submitted to a job manager), each with its environment variable. There is no password
 * option: a command line shows in `ps` and in shell history, so the password comes from
 * `KAFKA_SASL_PASSWORD` or from the file `--kafka-password-file` names.
 */
export function kafkaSecurityOptions(): Option[] {
  return [
    new Option('--kafka-sasl <mechanism>', `SASL mechanism: ${SASL_MECHANISMS.join(', ')} (default: no SASL)`).env('KAFKA_SASL_MECHANISM').argParser(mechanismArgument),
    new Option('--kafka-username <name>', 'SASL username').env('KAFKA_SASL_USERNAME'),
    new Option('--kafka-password-file <file>', 'file holding the SASL password (else env KAFKA_SASL_PASSWORD; never on the command line)').env('KAFKA_SASL_PASSWORD_FILE'),
    new Option('--kafka-ssl', 'connect with TLS (env KAFKA_SSL=1; implied by --kafka-ca/--kafka-cert)'),
    new Option('--kafka-ca <file>', "PEM file of the CA that signed the brokers' certificates (default: Node's CAs)").env('KAFKA_SSL_CA'),
    new Option('--kafka-cert <file>', 'PEM client certificate, for brokers that require one (with --kafka-key)').env('KAFKA_SSL_CERT'),
    new Option('--kafka-key <file>', 'PEM private key of --kafka-cert (unencrypted)').env('KAFKA_SSL_KEY'),
    // Refused with a message that never repeats the value: commander's would.
    new Option('--kafka-password <password>').hideHelp().argParser(refusePasswordArgument),
  ];
}

function mechanismArgument(text: string): SaslMechanism {
  const mechanism = text.toLowerCase();
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new InvalidArgumentError(`use ${SASL_MECHANISMS.join(', ')} (the mechanism the broker's SASL listener enables).`);
  }
  return mechanism as SaslMechanism;
}

function refusePasswordArgument(): never {
  throw new ConfigError(
    '--kafka-password',
    'a password on the command line shows in ps and shell history; set KAFKA_SASL_PASSWORD or put it in a file (mode 0600) and give --kafka-password-file <file>',
  );
}

const TRUE = new Set(['1', 'true', 'yes']);
const FALSE = new Set(['', '0', 'false', 'no']);

/**
 * The security the options and the environment describe, by file, as a {@link JobSpec} holds
 * it: nothing is read yet; undefined for a PLAINTEXT listener.
 * @param flags what commander parsed from {@link kafkaSecurityOptions}
 */
export function kafkaSecuritySpecOf(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): KafkaSecuritySpec | undefined {
  const mechanism = flags.kafkaSasl as SaslMechanism | undefined;
  const username = flags.kafkaUsername as string | undefined;
  const passwordFile = flags.kafkaPasswordFile as string | undefined;
  let sasl: KafkaSecuritySpec['sasl'];
  if (mechanism === undefined) {
    if (username !== undefined || passwordFile !== undefined) {
      throw new ConfigError('--kafka-sasl', `is missing: --kafka-username and --kafka-password-file only apply with --kafka-sasl ${SASL_MECHANISMS.join('|')}`);
    }
  } else {
    if (username === undefined || username === '') {
      throw new ConfigError('--kafka-username', 'is required with --kafka-sasl; give --kafka-username <name> or set KAFKA_SASL_USERNAME');
    }
    sasl = { mechanism, username, ...(passwordFile === undefined ? {} : { passwordFile }) };
  }

  const sslEnv = (env.KAFKA_SSL ?? '').trim().toLowerCase();
  if (!TRUE.has(sslEnv) && !FALSE.has(sslEnv)) throw new ConfigError('KAFKA_SSL', `"${env.KAFKA_SSL}" is neither on nor off; set it to 1 (TLS) or 0`);
  const files = { caFile: flags.kafkaCa, certFile: flags.kafkaCert, keyFile: flags.kafkaKey } as Record<string, string | undefined>;
  const tls = flags.kafkaSsl === true || TRUE.has(sslEnv) || files.caFile !== undefined || files.certFile !== undefined;
  const ssl: KafkaSecuritySpec['ssl'] = tls ? Object.fromEntries(Object.entries(files).filter(([, path]) => path !== undefined)) : undefined;
  return sasl === undefined && ssl === undefined ? undefined : { ...(sasl === undefined ? {} : { sasl }), ...(ssl === undefined ? {} : { ssl }) };
}

/**
 * The {@link KafkaSecurity} the options and the environment describe, with the password and
 * the PEM files read now, before anything opens; undefined for a PLAINTEXT listener. Every
 * refusal names the option to fix and never the password; `kafkaSecurityConfig` checks the rest
 * (a certificate without its key) when the connectors are built.
 * @param flags what commander parsed from {@link kafkaSecurityOptions}
 */
export function kafkaSecurityOf(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): KafkaSecurity | undefined {
  return resolveKafkaSecurity(kafkaSecuritySpecOf(flags, env), RUN_FLAG_NAMES, env);
}
