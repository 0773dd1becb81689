// The baseline of `npm run bench:collect`: a bare node:http server that reads a POSTed body,
// JSON.parses it and answers 202 with the count. No validation, no Kafka. Prints its URL.
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
    response.writeHead(202, { 'content-type': 'application/json' }).end(`{"accepted":${events.length}}`);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`bare at http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
