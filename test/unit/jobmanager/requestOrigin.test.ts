import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { killJobManagers, startJobManager, type JobManagerProcess } from '../../jobManagerProcess.js';
import { tempDir } from '../cli/cliHarness.js';
import { rawRequest } from '../rawRequest.js';

type Manager = JobManagerProcess;

/** `clickflow jobmanager --port 0` as a user starts it, its URL read from stdout. */
function startManager(stateFile: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Manager> {
  return startJobManager({ stateFile, args, env: { CLICKFLOW_LOG_LEVEL: 'warn', ...env } });
}

describe('the job manager answers its own clients only: Host, Origin and Content-Type', { timeout: 180_000 }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let manager: Manager;
  let host: string;
  before(async () => {
    tmp = await tempDir('jm-origin');
    manager = await startManager(tmp.path('state.json'), ['--allowed-host', 'JobManager'], { CLICKFLOW_ALLOWED_HOSTS: '' });
    host = `127.0.0.1:${manager.port}`;
  });
  after(async () => {
    if (manager !== undefined) assert.equal(await manager.stop(), 0);
    killJobManagers();
    await tmp.remove();
  });

  const jobCount = async () => JSON.parse((await rawRequest(manager.port, 'GET', '/jobs', { host })).body).jobs.length as number;

  test('a foreign page cannot submit a job that empties a file and copies another: 403 or 415, and no job', async () => {
    const secret = tmp.path('secret.env');
    const precious = tmp.path('precious.txt');
    const leak = tmp.path('leak.jsonl');
    writeFileSync(secret, 'SECRET=hunter2\n');
    writeFileSync(precious, 'precious\n');
    const body = JSON.stringify({ job: 'error-rates', args: ['--from', `file:${secret}`, '--to', `file:${precious}`, '--dead-letter', `file:${leak}`] });
    const attempts: [Record<string, string>, number][] = [
      // What a page sends with fetch(…, { method: 'POST', mode: 'no-cors', body }): no preflight.
      [{ host, origin: 'https://evil.example', 'content-type': 'text/plain;charset=UTF-8' }, 403],
      [{ host, origin: 'https://evil.example', 'content-type': 'application/json' }, 403],
      [{ host, origin: 'null', 'content-type': 'application/json' }, 403],
      [{ host, origin: `http://127.0.0.1:${manager.port + 1}`, 'content-type': 'application/json' }, 403],
      // A page of the manager's own address, or a client without Origin, still needs JSON.
      [{ host, origin: `http://127.0.0.1:${manager.port}`, 'content-type': 'text/plain' }, 415],
      [{ host, 'content-type': 'application/x-www-form-urlencoded' }, 415],
      [{ host }, 415],
      // DNS rebinding: the page's own name in Host.
      [{ host: `evil.example:${manager.port}`, 'content-type': 'application/json' }, 421],
    ];
    for (const [headers, status] of attempts) {
      const reply = await rawRequest(manager.port, 'POST', '/jobs', headers, body);
      assert.equal(reply.status, status, `${JSON.stringify(headers)}: ${reply.body}`);
      assert.ok(!('access-control-allow-origin' in reply.headers), 'no CORS grant');
    }
    assert.equal(await jobCount(), 0, 'no refused request became a job');
    assert.equal(readFileSync(precious, 'utf8'), 'precious\n');
    assert.equal(existsSync(leak), false);

    // The same submission as the CLI sends it is taken: the refusals above are the checks', not the body's.
    const accepted = await rawRequest(manager.port, 'POST', '/jobs', { host, 'content-type': 'application/json' }, body);
    assert.equal(accepted.status, 201, accepted.body);
    assert.equal(await jobCount(), 1);
  });

  test('a submission is read strictly: unknown fields are refused by name, a byte-order mark is allowed, and a path that starts with // is no host', async () => {
    const json = { host, 'content-type': 'application/json' };
    const before = await jobCount();
    const typo = await rawRequest(manager.port, 'POST', '/jobs', json, JSON.stringify({ job: 'error-rates', args: ['--from', 'generator', '--to', 'none'], restat: 'none' }));
    assert.equal(typo.status, 400, typo.body);
    assert.match(JSON.parse(typo.body).error, /unknown field "restat"/);
    // With a BOM the body is read, and its flags are checked: the answer is --window's, not "not JSON".
    const bom = await rawRequest(manager.port, 'POST', '/jobs', json, `\ufeff${JSON.stringify({ job: 'error-rates', args: ['--window', 'banana'] })}`);
    assert.equal(bom.status, 400, bom.body);
    assert.match(JSON.parse(bom.body).error, /--window/);
    assert.equal(await jobCount(), before, 'no refused submission became a job');
    // As a relative URL, //evil.example/jobs would be "/jobs" on host evil.example.
    const doubleSlash = await rawRequest(manager.port, 'GET', '//evil.example/jobs', { host });
    assert.equal(doubleSlash.status, 404, doubleSlash.body);
    assert.equal((await rawRequest(manager.port, 'GET', '*', { host })).status, 400);
    // A proxy's absolute form names a host that the Host check never saw.
    assert.equal((await rawRequest(manager.port, 'GET', 'http://evil.example/jobs', { host })).status, 400);
  });

  test('a method a path does not take is a 405 that names the ones it does', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/jobs', 'GET, HEAD, POST'],
      ['DELETE', '/jobs', 'GET, HEAD, POST'],
      ['POST', '/health', 'GET, HEAD'],
      ['POST', '/metrics', 'GET, HEAD'],
    ] as const) {
      // Node's client sends a DELETE's body without a length: none is sent.
      const reply = await rawRequest(manager.port, method, path, { host, 'content-type': 'application/json' }, method === 'DELETE' ? undefined : '{}');
      assert.equal(reply.status, 405, `${method} ${path}: ${reply.body}`);
      assert.equal(reply.headers.allow, allow);
      assert.match(JSON.parse(reply.body).error, new RegExp(`use ${allow}`));
    }
  });

  test('two submissions at once that write one file: one is taken, the other refused naming the file', async () => {
    const out = tmp.path('raced.lp');
    const body = JSON.stringify({ job: 'error-rates', args: ['--from', 'generator:20', '--to', `file:${out}`] });
    const json = { host, 'content-type': 'application/json' };
    const replies = await Promise.all([rawRequest(manager.port, 'POST', '/jobs', json, body), rawRequest(manager.port, 'POST', '/jobs', json, body)]);
    assert.deepEqual(replies.map((r) => r.status).sort(), [201, 400], replies.map((r) => r.body).join('\n'));
    assert.match(JSON.parse(replies.find((r) => r.status === 400)!.body).error, /raced\.lp/);
    const taken = JSON.parse(replies.find((r) => r.status === 201)!.body) as { id: string };
    assert.equal((await rawRequest(manager.port, 'DELETE', `/jobs/${taken.id}`, json)).status, 200);
  });

  test('a page of the manager itself, under any of its names, is served', async () => {
    const bad = JSON.stringify({ job: 'no-such-job', args: [] });
    for (const [hostHeader, origin] of [
      [host, `http://127.0.0.1:${manager.port}`],
      [`localhost:${manager.port}`, `http://localhost:${manager.port}`],
      [host, `http://localhost:${manager.port}`],
      [`[::1]:${manager.port}`, `http://[::1]:${manager.port}`],
      [`jobmanager:${manager.port}`, `http://jobmanager:${manager.port}`],
      ['jobmanager', 'https://jobmanager'],
    ] as const) {
      // Past every check, to the submission's own: 400 for an unknown job.
      const reply = await rawRequest(manager.port, 'POST', '/jobs', { host: hostHeader, origin, 'content-type': 'application/json; charset=utf-8' }, bad);
      assert.equal(reply.status, 400, `Host ${hostHeader}, Origin ${origin}: ${reply.body}`);
    }
  });

  test('a foreign Host is refused on every route; IP addresses, loopback names and --allowed-host are answered', async () => {
    for (const path of ['/', '/app/main.js', '/jobs', '/jobs/x', '/live', '/metrics', '/health']) {
      for (const foreign of [`evil.example:${manager.port}`, 'evil.example', `localhost.evil.example:${manager.port}`, `evil.example@127.0.0.1:${manager.port}`, '']) {
        const reply = await rawRequest(manager.port, 'GET', path, { host: foreign });
        assert.equal(reply.status, 421, `GET ${path} with Host ${foreign}: ${reply.body}`);
        assert.match(JSON.parse(reply.body).error, /--allowed-host/);
      }
    }
    // Prometheus may scrape by any address the machine has.
    for (const allowed of [host, `LOCALHOST:${manager.port}`, `10.1.2.3:${manager.port}`, `[fd00::1]:${manager.port}`, `jobmanager:${manager.port}`]) {
      const reply = await rawRequest(manager.port, 'GET', '/metrics', { host: allowed });
      assert.equal(reply.status, 200, `Host ${allowed}: ${reply.body}`);
    }
  });

  test('HEAD is answered as GET, without a body', async () => {
    for (const [path, type] of [
      ['/', /^text\/html/],
      ['/jobs', /^application\/json/],
      ['/health', /^application\/json/],
      ['/live', /^text\/event-stream/],
    ] as const) {
      const reply = await rawRequest(manager.port, 'HEAD', path, { host });
      assert.equal(reply.status, 200, `HEAD ${path}`);
      assert.match(String(reply.headers['content-type']), type);
      assert.equal(reply.body, '');
    }
    const page = await rawRequest(manager.port, 'GET', '/', { host });
    assert.equal((await rawRequest(manager.port, 'HEAD', '/', { host })).headers['content-length'], String(Buffer.byteLength(page.body)));
  });
});

describe('the bearer token and CLICKFLOW_ALLOWED_HOSTS', { timeout: 120_000 }, () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir('jm-bearer');
  });
  after(async () => {
    killJobManagers();
    await tmp.remove();
  });

  test('is taken with the scheme in any case, and only as the exact token', async () => {
    const token = 'a-long-secret-token';
    const manager = await startManager(tmp.path('state.json'), ['--token', token]);
    const host = `127.0.0.1:${manager.port}`;
    for (const authorization of [`Bearer ${token}`, `bearer ${token}`, `BEARER ${token}`]) {
      assert.equal((await rawRequest(manager.port, 'GET', '/jobs', { host, authorization })).status, 200, authorization);
    }
    for (const authorization of [`Basic ${token}`, `Bearer ${token.toUpperCase()}`, token, `Bearer${token}`]) {
      assert.equal((await rawRequest(manager.port, 'GET', '/jobs', { host, authorization })).status, 401, authorization);
    }
    // The token before the body, and a body over 1 MiB refused: the checks above change neither.
    const huge = JSON.stringify({ job: 'error-rates', args: ['x'.repeat(2 << 20)] });
    const json = { host, 'content-type': 'application/json' };
    assert.equal((await rawRequest(manager.port, 'POST', '/jobs', json, huge)).status, 401);
    assert.equal((await rawRequest(manager.port, 'POST', '/jobs', { ...json, authorization: `Bearer ${token}` }, huge)).status, 413);
    assert.equal(await manager.stop(), 0);
  });

  test('CLICKFLOW_ALLOWED_HOSTS names the hosts as --allowed-host does, comma-separated (compose calls the manager jobmanager)', async () => {
    const manager = await startManager(tmp.path('env-state.json'), [], { CLICKFLOW_ALLOWED_HOSTS: 'jobmanager, JM.example.com' });
    for (const [hostHeader, status] of [
      [`jobmanager:${manager.port}`, 200],
      ['jm.example.com', 200],
      [`other.example.com:${manager.port}`, 421],
    ] as const) {
      assert.equal((await rawRequest(manager.port, 'GET', '/jobs', { host: hostHeader })).status, status, hostHeader);
    }
    assert.equal(await manager.stop(), 0);
  });
});
