import { readFileSync } from 'node:fs';
import type { KafkaSecurity } from '../connectors/kafka/kafkaSecurity.js';
import { ConfigError } from '../errors/ConfigError.js';
import type { KafkaSecuritySpec } from './JobSpec.js';
import type { SpecFieldNames } from './SpecFieldNames.js';

/**
 * The {@link KafkaSecurity} a spec names, with the password and the PEM files read now, when the
 * job starts, so that a restart reads them again; undefined for a PLAINTEXT listener. Every
 * refusal names the option or field to fix and never the password.
 * @param env where the password comes from when no file is given (`KAFKA_SASL_PASSWORD`)
 */
export function resolveKafkaSecurity(spec: KafkaSecuritySpec | undefined, names: SpecFieldNames, env: NodeJS.ProcessEnv = process.env): KafkaSecurity | undefined {
  if (spec === undefined) return undefined;
  let sasl: KafkaSecurity['sasl'];
  if (spec.sasl !== undefined) {
    const { passwordFile } = spec.sasl;
    const password = passwordFile !== undefined ? passwordIn(names.passwordFile, passwordFile) : env.KAFKA_SASL_PASSWORD;
    if (passwordFile !== undefined && password === '') {
      throw new ConfigError(names.passwordFile, `${passwordFile} is empty; write the password into it, or leave ${names.passwordFile} out and set KAFKA_SASL_PASSWORD`);
    }
    if (password === undefined || password === '') {
      throw new ConfigError(names.passwordFile, `SASL needs a password: set KAFKA_SASL_PASSWORD or give ${names.passwordFile} <file>`);
    }
    sasl = { mechanism: spec.sasl.mechanism, username: spec.sasl.username, password };
  }
  const ssl = spec.ssl;
  return {
    sasl,
    ssl:
      ssl === undefined
        ? undefined
        : {
            ca: pemIn(names.caFile, ssl.caFile, 'CERTIFICATE'),
            cert: pemIn(names.certFile, ssl.certFile, 'CERTIFICATE'),
            key: pemIn(names.keyFile, ssl.keyFile, 'PRIVATE KEY'),
          },
  };
}

/** The password in a file, without the line break an editor or `echo` ends it with. */
function passwordIn(option: string, path: string): string {
  return readOptionFile(option, path).replace(/\r?\n$/, '');
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
