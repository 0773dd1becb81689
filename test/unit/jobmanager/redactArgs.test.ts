import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactArgs } from '../../../src/jobmanager/redactArgs.js';

test("a URL's password is redacted in a job's args, as --flag value and --flag=value, whatever it holds", () => {
  assert.deepEqual(
    redactArgs([
      '--influx-url',
      'http://writer:pa55word@influx.example:8086',
      '--influx-url=https://writer:p@ss:w0rd@influx.example/api?x=1',
      '--from',
      'kafka',
    ]),
    ['--influx-url', 'http://writer:***@influx.example:8086', '--influx-url=https://writer:***@influx.example/api?x=1', '--from', 'kafka'],
  );
});

test('what holds no password is left as it is', () => {
  const args = ['--influx-url', 'http://influx.example:8086', '--to', 'file:/tmp/a:b@c.lp', '--influx-url=http://user@influx.example', '--topic', 'a@b'];
  assert.deepEqual(redactArgs(args), args);
});
