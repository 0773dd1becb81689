import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './freePort.mjs';
import { runInstall } from './runInstall.mjs';
import { logTail, startDetached, stopProcess } from './serviceProcess.mjs';
import { newRunDir } from './startServices.mjs';
import { waitFor } from './waitFor.mjs';

/**
 * Starts Prometheus (Debian's build, unpacked once by install-prometheus.sh) on a free
 * loopback port with fresh storage under the cache's run directory, scraping `target`
 * (`host:port`, path /metrics) every second, and waits until it is ready. Resolves with its
 * `url` and a `stop()` that ends it and removes its data.
 *
 * @example const prometheus = await startPrometheus({ target: '127.0.0.1:8081' });
 */
export async function startPrometheus({ target, scrapeInterval = '1s', jobName = 'clickflow' }) {
  const prometheus = await runInstall('install-prometheus.sh');
  const dir = newRunDir('prometheus-');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      `  scrape_interval: ${scrapeInterval}`,
      `  evaluation_interval: ${scrapeInterval}`,
      'scrape_configs:',
      `  - job_name: ${JSON.stringify(jobName)}`,
      `    scrape_interval: ${scrapeInterval}`,
      `    scrape_timeout: ${scrapeInterval}`,
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: [${JSON.stringify(target)}]`,
      '',
    ].join('\n'),
  );
  const logPath = join(dir, 'prometheus.log');
  const pid = startDetached(
    prometheus,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { logPath, cwd: dir },
  );
  const stop = async () => {
    await stopProcess(pid);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, { timeoutMs: 60_000, stepMs: 200, what: `Prometheus at ${url}` });
  } catch (error) {
    const message = `${error.message}\nlast lines of ${logPath}:\n${logTail(logPath)}`;
    await stop();
    throw new Error(message);
  }
  return { url, pid, logPath, stop };
}
