import { ClickflowError } from '../errors/ClickflowError.js';
import { ConfigError } from '../errors/ConfigError.js';

/** The job manager's REST API, as `clickflow submit/list/status/cancel` call it. */
export class JobManagerClient {
  constructor(
    readonly url: string,
    private readonly token?: string,
  ) {
    if (!/^https?:\/\/[^\s]+$/.test(url)) {
      throw new ConfigError('--jobmanager', `"${url}" is not an http(s) URL, e.g. http://127.0.0.1:8081`);
    }
  }

  submit(job: string, args: readonly string[], restart?: string): Promise<Record<string, unknown>> {
    return this.call('POST', '/jobs', { job, args, ...(restart === undefined ? {} : { restart }) });
  }

  async list(): Promise<Record<string, unknown>[]> {
    return ((await this.call('GET', '/jobs')) as { jobs: Record<string, unknown>[] }).jobs;
  }

  status(id: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/jobs/${encodeURIComponent(id)}`);
  }

  cancel(id: string): Promise<Record<string, unknown>> {
    return this.call('DELETE', `/jobs/${encodeURIComponent(id)}`);
  }

  private async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.url), {
        method,
        headers: {
          // The manager refuses any other type on a call that changes something, with or without a body.
          ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
          ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, "bad port", …).
      const inner = (error as Error).cause as { code?: string; message?: string } | undefined;
      const cause = inner?.code ?? inner?.message ?? (error as Error).message;
      throw new ClickflowError(
        `cannot reach the job manager at ${this.url} (${cause}); start one with \`clickflow jobmanager\`, or point --jobmanager / CLICKFLOW_JOBMANAGER at it`,
        { cause: error },
      );
    }
    const text = await response.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new ClickflowError(`the job manager at ${this.url} answered ${response.status} with something that is not JSON`);
    }
    if (response.status === 400) throw new ConfigError('the job manager refused it', String(parsed.error));
    if (!response.ok) throw new ClickflowError(String(parsed.error ?? `the job manager answered ${response.status}`));
    return parsed;
  }
}
