import { DEFAULTS } from '../config/defaults.js';
import { ClickflowError } from '../errors/ClickflowError.js';
import { ConfigError } from '../errors/ConfigError.js';
import { InterruptedError } from '../errors/InterruptedError.js';
import { formatDuration } from '../time/parseDuration.js';
import { redactUrlPasswords } from './redactUrlPasswords.js';

/** How a client waits. */
export interface JobManagerClientOptions {
  /** How long a call waits for the whole answer, in ms; `cancel` waits `DEFAULTS.jobManager.cancelTimeoutMs` longer. */
  readonly timeoutMs?: number;
  /** Ends a waiting call (SIGINT/SIGTERM): it throws an {@link InterruptedError} naming the reason. */
  readonly signal?: AbortSignal;
}

/** The job manager's REST API, as `clickflow submit/list/status/cancel` call it. */
export class JobManagerClient {
  private readonly timeoutMs: number;
  private readonly signal?: AbortSignal;

  constructor(
    readonly url: string,
    private readonly token?: string,
    options: JobManagerClientOptions = {},
  ) {
    // Never echoed as given: a URL with a password in it must not show it.
    const shown = redactUrlPasswords(url);
    let parsed: URL | undefined;
    try {
      parsed = /^https?:\/\/[^\s]+$/.test(url) ? new URL(url) : undefined;
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined) throw new ConfigError('--jobmanager', `"${shown}" is not an http(s) URL, e.g. http://127.0.0.1:8081`);
    if (parsed.username !== '' || parsed.password !== '') {
      throw new ConfigError('--jobmanager', `"${shown}" carries a user name or password; the job manager takes a bearer token instead: give the URL without them, and the token with --token or CLICKFLOW_TOKEN`);
    }
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.jobManager.clientTimeoutMs;
    this.signal = options.signal;
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

  /** Answered once the job has flushed and committed, which the manager waits up to `cancelTimeoutMs` for. */
  cancel(id: string): Promise<Record<string, unknown>> {
    return this.call('DELETE', `/jobs/${encodeURIComponent(id)}`, undefined, DEFAULTS.jobManager.cancelTimeoutMs);
  }

  private async call(method: string, path: string, body?: unknown, extraWaitMs = 0): Promise<Record<string, unknown>> {
    const waitMs = this.timeoutMs + extraWaitMs;
    const timeout = AbortSignal.timeout(waitMs);
    const signal = this.signal === undefined ? timeout : AbortSignal.any([timeout, this.signal]);
    let response: Response;
    let text: string;
    try {
      response = await fetch(new URL(path, this.url), {
        method,
        headers: {
          // The manager refuses any other type on a call that changes something, with or without a body.
          ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
          ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (this.signal?.aborted === true) {
        const reason = String(this.signal.reason);
        const pending = method === 'GET' ? '' : `; the manager may still carry out the ${method}: clickflow list shows its jobs`;
        throw new InterruptedError(reason, `${reason} received before the job manager at ${this.url} answered ${method} ${path}${pending}`);
      }
      if (timeout.aborted) {
        throw new ClickflowError(
          `the job manager at ${this.url} did not answer ${method} ${path} within ${formatDuration(waitMs)}; is it hung or overloaded? --timeout waits longer`,
          { cause: error },
        );
      }
      // fetch says only "fetch failed"; its cause says why (ECONNREFUSED, "bad port", …).
      const inner = (error as Error).cause as { code?: string; message?: string } | undefined;
      const cause = inner?.code ?? inner?.message ?? (error as Error).message;
      throw new ClickflowError(
        `cannot reach the job manager at ${this.url} (${cause}); start one with \`clickflow jobmanager\`, or point --jobmanager / CLICKFLOW_JOBMANAGER at it`,
        { cause: error },
      );
    }
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
