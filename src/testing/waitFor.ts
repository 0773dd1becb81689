/**
 * Polls `check` every `stepMs` (default 50 ms) until it returns something other than
 * `undefined` or `false`, or `timeoutMs` passes; the timeout names `what` and the last error.
 */
export async function waitFor<T>(
  check: () => T | false | undefined | Promise<T | false | undefined>,
  { timeoutMs = 30_000, stepMs = 50, what = 'condition' }: { timeoutMs?: number; stepMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError === undefined ? '' : `: ${(lastError as Error).message ?? String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
