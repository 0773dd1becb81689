/**
 * Polls `check` every `stepMs` until it returns a truthy value or `timeoutMs` passes; the
 * timeout error carries the last failure, so a service that never comes up says why.
 */
export async function waitFor(check, { timeoutMs = 60_000, stepMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
