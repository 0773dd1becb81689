// The baseline of `npm run bench:cli`: a bare chunked JSON.parse loop over a JSON-lines file
// (1 MiB reads, its fastest here: 128 KiB, fileSource's size, was no faster; UTF-8 decoding, split
// on \n, empty lines skipped). Usage: node dist/bench/bareParseLoop.js FILE; prints the number of
// lines parsed.
import { createReadStream } from 'node:fs';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: bareParseLoop.js FILE');
const stream = createReadStream(path, { highWaterMark: 1 << 20 });
stream.setEncoding('utf8');
let carry = '';
let parsed = 0;
for await (const chunk of stream) {
  const lines = (carry + (chunk as string)).split('\n');
  carry = lines.pop()!;
  for (let i = 0; i < lines.length; i++) if (lines[i]!.length > 0 && JSON.parse(lines[i]!) !== null) parsed++;
}
if (carry.length > 0 && JSON.parse(carry) !== null) parsed++;
process.stdout.write(`${parsed}\n`);
