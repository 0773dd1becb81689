import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka } from './kafka.mjs';

/**
 * Starts a Kafka broker (startKafka) that also listens with SASL_PLAINTEXT, SASL_SSL and SSL
 * with client certificates, for the security tests. A throwaway CA made with openssl signs the
 * broker's certificate (for 127.0.0.1) and a client certificate; the broker reads them as PEM
 * stores. One user, `alice`, with a random password, authenticates with PLAIN (listed in the
 * JAAS config) and with SCRAM-SHA-256 and SCRAM-SHA-512 (stored by `kafka-storage format --add-scram`).
 *
 * @returns `{ pid, logPath, brokers, listeners: { SASL_PLAINTEXT, SASL_SSL, SSL }, username, password, ca, clientCert, clientKey }`,
 *   the last three paths of PEM files
 */
export async function startSecureKafka(runDir) {
  const dir = join(runDir, 'secure-kafka-tls');
  mkdirSync(dir, { recursive: true });
  const file = (name) => join(dir, name);
  const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=clickflow-test-ca');
  const signed = (name, extensions) => {
    writeFileSync(file(`${name}.ext`), `${extensions}\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${name}.pem`), '-days', '2', '-extfile', file(`${name}.ext`));
  };
  signed('broker', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  signed('client', 'extendedKeyUsage=clientAuth');
  // A PEM key store is the private key (PKCS#8, as openssl 3 writes it) followed by the certificate.
  writeFileSync(file('broker-keystore.pem'), readFileSync(file('broker.key'), 'utf8') + readFileSync(file('broker.pem'), 'utf8'));

  const username = 'alice';
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const jaas = (listener) => [
    `listener.name.${listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${username}="${password}";`,
    `listener.name.${listener}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `listener.name.${listener}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
  ];
  const kafka = await startKafka(runDir, {
    name: 'secure-kafka',
    listeners: [
      { name: 'SASL_PLAINTEXT', protocol: 'SASL_PLAINTEXT' },
      { name: 'SASL_SSL', protocol: 'SASL_SSL' },
      { name: 'SSL', protocol: 'SSL' },
    ],
    properties: [
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      ...jaas('sasl_plaintext'),
      ...jaas('sasl_ssl'),
      'ssl.keystore.type=PEM',
      `ssl.keystore.location=${file('broker-keystore.pem')}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${file('ca.pem')}`,
      'listener.name.ssl.ssl.client.auth=required',
    ],
    formatArgs: ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${username},password=${password}]`]),
  });
  return { ...kafka, username, password, ca: file('ca.pem'), clientCert: file('client.pem'), clientKey: file('client.key') };
}
