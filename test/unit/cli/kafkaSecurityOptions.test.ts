import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { absoluteFilePaths } from '../../../src/cli/commands/submitCommand.js';
import { kafkaSecurityOf } from '../../../src/cli/kafkaSecurityOptions.js';
import { parseRunArgs } from '../../../src/cli/parseRunArgs.js';
import { kafkaSecurityConfig } from '../../../src/connectors/kafka/kafkaSecurity.js';
import { kafkaSource } from '../../../src/connectors/kafka/kafkaSourceConnector.js';
import { ConfigError } from '../../../src/errors/ConfigError.js';
import { redactArgs } from '../../../src/jobmanager/redactArgs.js';

const PASSWORD = 'hunter2-do-not-print';
const dir = mkdtempSync(join(tmpdir(), 'clickflow-kafka-security-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

/** Asserts a ConfigError for `option` whose message matches and never holds the password. */
function refused(attempt: () => unknown, option: string, message: RegExp): void {
  assert.throws(attempt, (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.option, option);
    assert.match(error.message, message);
    assert.ok(!error.message.includes(PASSWORD), error.message);
    return true;
  });
}

const run = (...flags: string[]) => parseRunArgs(['error-rates', '--from', 'kafka', ...flags]);

describe('Kafka security options', () => {
  test('none given: no security, a PLAINTEXT listener', () => {
    assert.equal(kafkaSecurityOf({}, {}), undefined);
    assert.equal(kafkaSecurityOf({}, { KAFKA_SSL: '0', KAFKA_SASL_PASSWORD: PASSWORD }), undefined);
  });

  test('SASL: the mechanism in any case, the username, the password from the environment, else from a file without its line break', () => {
    const fromEnv = kafkaSecurityOf({ kafkaSasl: 'scram-sha-256', kafkaUsername: 'alice' }, { KAFKA_SASL_PASSWORD: PASSWORD });
    assert.deepEqual(fromEnv, { sasl: { mechanism: 'scram-sha-256', username: 'alice', password: PASSWORD }, ssl: undefined });
    const passwordFile = file('password', `${PASSWORD}\r\n`);
    const fromFile = kafkaSecurityOf({ kafkaSasl: 'plain', kafkaUsername: 'alice', kafkaPasswordFile: passwordFile }, { KAFKA_SASL_PASSWORD: 'the file wins' });
    assert.equal(fromFile?.sasl?.password, PASSWORD);
    const previous = process.env.KAFKA_SASL_PASSWORD;
    process.env.KAFKA_SASL_PASSWORD = PASSWORD;
    try {
      assert.equal(run('--kafka-sasl', 'SCRAM-SHA-512', '--kafka-username', 'bob').kafkaSecurity?.sasl?.mechanism, 'scram-sha-512');
    } finally {
      if (previous === undefined) delete process.env.KAFKA_SASL_PASSWORD;
      else process.env.KAFKA_SASL_PASSWORD = previous;
    }
  });

  test('SASL mistakes name the option to fix and never the password', () => {
    refused(() => kafkaSecurityOf({ kafkaSasl: 'plain' }, { KAFKA_SASL_PASSWORD: PASSWORD }), '--kafka-username', /required with --kafka-sasl; give --kafka-username <name> or set KAFKA_SASL_USERNAME/);
    refused(() => kafkaSecurityOf({ kafkaSasl: 'plain', kafkaUsername: 'alice' }, {}), '--kafka-password-file', /set KAFKA_SASL_PASSWORD or give --kafka-password-file/);
    const empty = file('empty-password', '\n');
    refused(
      () => kafkaSecurityOf({ kafkaSasl: 'plain', kafkaUsername: 'alice', kafkaPasswordFile: empty }, { KAFKA_SASL_PASSWORD: PASSWORD }),
      '--kafka-password-file',
      /empty-password is empty; write the password into it/,
    );
    refused(() => kafkaSecurityOf({ kafkaUsername: 'alice' }, { KAFKA_SASL_PASSWORD: PASSWORD }), '--kafka-sasl', /is missing: --kafka-username and --kafka-password-file only apply with --kafka-sasl/);
    refused(
      () => kafkaSecurityOf({ kafkaSasl: 'plain', kafkaUsername: 'alice', kafkaPasswordFile: join(dir, 'absent') }, {}),
      '--kafka-password-file',
      /cannot read .*absent \(ENOENT\); give a readable file/,
    );
    refused(() => kafkaSecurityConfig({ sasl: { mechanism: 'gssapi' as 'plain', username: 'a', password: PASSWORD } }), '--kafka-sasl', /use plain, scram-sha-256, scram-sha-512/);
    assert.throws(() => run('--kafka-sasl', 'gssapi'), /--kafka-sasl <mechanism>.*use plain, scram-sha-256, scram-sha-512/s);
  });

  test('--kafka-password is refused without repeating the value, in both forms', () => {
    refused(() => run('--kafka-password', PASSWORD), '--kafka-password', /shows in ps and shell history; set KAFKA_SASL_PASSWORD or .*--kafka-password-file/);
    refused(() => run(`--kafka-password=${PASSWORD}`), '--kafka-password', /shows in ps/);
  });

  test('TLS: --kafka-ssl or KAFKA_SSL, implied by a CA or a client certificate; PEM files checked as they are read', () => {
    assert.deepEqual(kafkaSecurityOf({ kafkaSsl: true }, {}), { sasl: undefined, ssl: { ca: undefined, cert: undefined, key: undefined } });
    assert.deepEqual(kafkaSecurityConfig(kafkaSecurityOf({}, { KAFKA_SSL: 'true' })), { ssl: true });
    const ca = file('ca.pem', PEM_CERT);
    const tls = kafkaSecurityOf({ kafkaCa: ca, kafkaCert: file('client.pem', PEM_CERT), kafkaKey: file('client.key', PEM_KEY) }, {});
    assert.deepEqual(kafkaSecurityConfig(tls), { ssl: { ca: [PEM_CERT], cert: PEM_CERT, key: PEM_KEY } });
    refused(() => kafkaSecurityOf({}, { KAFKA_SSL: 'maybe' }), 'KAFKA_SSL', /set it to 1 \(TLS\) or 0/);
    refused(() => kafkaSecurityOf({ kafkaCa: file('ca.der', 'binary junk') }, {}), '--kafka-ca', /holds no PEM certificate; convert it, e.g. openssl x509/);
    refused(() => kafkaSecurityOf({ kafkaCert: ca, kafkaKey: ca }, {}), '--kafka-key', /holds no PEM private key/);
    refused(
      () => kafkaSecurityOf({ kafkaCert: ca, kafkaKey: file('enc.key', '-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n-----END ENCRYPTED PRIVATE KEY-----\n') }, {}),
      '--kafka-key',
      /encrypted key; decrypt it/,
    );
    refused(() => kafkaSource({ security: kafkaSecurityOf({ kafkaCert: ca }, {}) }), '--kafka-key', /needs its private key: give both --kafka-cert and --kafka-key/);
  });

  test('submit makes the security files absolute, and the API redacts a password flag', () => {
    assert.deepEqual(absoluteFilePaths(['--kafka-password-file', 'pw', '--kafka-ca=ca.pem', '--kafka-cert', '/abs/c.pem', '--kafka-key', 'k.pem', '--kafka-username', 'u']), [
      '--kafka-password-file',
      resolve('pw'),
      `--kafka-ca=${resolve('ca.pem')}`,
      '--kafka-cert',
      '/abs/c.pem',
      '--kafka-key',
      resolve('k.pem'),
      '--kafka-username',
      'u',
    ]);
    assert.deepEqual(redactArgs(['--kafka-password', PASSWORD, `--kafka-password=${PASSWORD}`]), ['--kafka-password', '***', '--kafka-password=***']);
  });

  test('submit makes file: paths absolute but leaves file:- as given, for the manager to refuse as run does', () => {
    assert.deepEqual(absoluteFilePaths(['--to', 'file:out.lp', '--dead-letter=file:-', '--from', 'file:-']), ['--to', `file:${resolve('out.lp')}`, '--dead-letter=file:-', '--from', 'file:-']);
  });
});
