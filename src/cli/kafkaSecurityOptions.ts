import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../errors/ConfigError.js';
import { missingSaslPassword, SASL_MECHANISMS, type KafkaSecurity, type SaslMechanism } from '../connectors/kafka/kafkaSecurity.js';

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
 * The {@link KafkaSecurity} the options and the environment describe, with the password and
 * the PEM files read now, before anything opens; undefined for a PLAINTEXT listener. Every
 * refusal names the option to fix and never the password; `kafkaSecurityConfig` checks the rest
 * (a certificate without its key) when the connectors are built.
 * @param flags what commander parsed from {@link kafkaSecurityOptions}
 */
export function kafkaSecurityOf(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): KafkaSecurity | undefined {
  const mechanism = flags.kafkaSasl as SaslMechanism | undefined;
  const username = flags.kafkaUsername as string | undefined;
  const passwordFile = flags.kafkaPasswordFile as string | undefined;
  let sasl: KafkaSecurity['sasl'];
  if (mechanism === undefined) {
    if (username !== undefined || passwordFile !== undefined) {
      throw new ConfigError('--kafka-sasl', `is missing: --kafka-username and --kafka-password-file only apply with --kafka-sasl ${SASL_MECHANISMS.join('|')}`);
    }
  } else {
    if (username === undefined || username === '') {
      throw new ConfigError('--kafka-username', 'is required with --kafka-sasl; give --kafka-username <name> or set KAFKA_SASL_USERNAME');
    }
    const password = passwordFile !== undefined ? passwordIn(passwordFile) : env.KAFKA_SASL_PASSWORD;
    if (passwordFile !== undefined && password === '') {
      throw new ConfigError('--kafka-password-file', `${passwordFile} is empty; write the password into it, or leave --kafka-password-file out and set KAFKA_SASL_PASSWORD`);
    }
    if (password === undefined || password === '') throw missingSaslPassword();
    sasl = { mechanism, username, password };
  }

  const sslEnv = (env.KAFKA_SSL ?? '').trim().toLowerCase();
  if (!TRUE.has(sslEnv) && !FALSE.has(sslEnv)) throw new ConfigError('KAFKA_SSL', `"${env.KAFKA_SSL}" is neither on nor off; set it to 1 (TLS) or 0`);
  const ca = pemIn('--kafka-ca', flags.kafkaCa as string | undefined, 'CERTIFICATE');
  const cert = pemIn('--kafka-cert', flags.kafkaCert as string | undefined, 'CERTIFICATE');
  const key = pemIn('--kafka-key', flags.kafkaKey as string | undefined, 'PRIVATE KEY');
  const tls = flags.kafkaSsl === true || TRUE.has(sslEnv) || ca !== undefined || cert !== undefined;
  const ssl: KafkaSecurity['ssl'] = tls ? { ca, cert, key } : undefined;
  return sasl === undefined && ssl === undefined ? undefined : { sasl, ssl };
}

/** The password in a file, without the line break an editor or `echo` ends it with. */
function passwordIn(path: string): string {
  return readOptionFile('--kafka-password-file', path).replace(/\r?\n$/, '');
}

/** A PEM file's text, checked to hold what the option needs. */
function pemIn(option: string, path: string | undefined, kind: 'CERTIFICATE' | 'PRIVATE KEY'): string | undefined {
  if (path === undefined) return undefined;
  const text = readOptionFile(option, path);
  if (!new RegExp(`-----BEGIN [A-Z ]*${kind}-----`).test(text)) {
    throw new ConfigError(
      option,
      `${path} holds no PEM ${kind.toLowerCase()}; convert it, e.g. openssl x509 -inform der -in cert.der -out cert.pem, or from a JKS keytool -exportcert -rfc (keys: openssl pkcs12 -nodes)`,
    );
  }
  if (kind === 'PRIVATE KEY' && /ENCRYPTED/.test(text)) {
    throw new ConfigError(option, `${path} is an encrypted key; decrypt it (openssl pkey -in key.pem -out plain.pem) and keep it readable only to you (chmod 600)`);
  }
  return text;
}

function readOptionFile(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(option, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a readable file`);
  }
}
