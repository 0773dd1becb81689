import { ConfigError } from '../errors/ConfigError.js';
import type { Job, WindowingOptions } from '../jobs/Job.js';
import { formatDuration } from '../time/parseDuration.js';
import type { Endpoint } from './Endpoint.js';

/** The options of a run that can be checked without touching a file or a server. */
export interface RunSettings {
  readonly from: Endpoint;
  readonly windowing: WindowingOptions;
  readonly bounded?: boolean;
}

/**
 * Checks a run's settings before anything is opened, so that a bad value never costs an
 * output file its contents. The job's pipeline is built once and dropped: operators check
 * their configuration when they are constructed, and this is where it is cheapest to find out.
 */
export function validateRunOptions(job: Job, settings: RunSettings): void {
  const { windowMs, slideMs } = settings.windowing;
  if (windowMs <= 0) throw new ConfigError('--window', `must be longer than 0, e.g. 10s`);
  if (slideMs !== undefined && slideMs <= 0) {
    throw new ConfigError('--slide', `must be longer than 0, e.g. ${formatDuration(Math.max(1, Math.floor(windowMs / 2)))} for windows every half window`);
  }
  if (slideMs !== undefined && slideMs > windowMs) {
    throw new ConfigError(
      '--slide',
      `${formatDuration(slideMs)} is longer than --window ${formatDuration(windowMs)}; ` +
        'a slide must be at most the window size (equal means tumbling windows)',
    );
  }
  if (settings.bounded === true && settings.from.kind !== 'kafka') {
    throw new ConfigError('--bounded', 'only applies to --from kafka (a file is always bounded)');
  }
  job.pipeline(settings.windowing, { onInvalid: () => undefined, onLate: () => undefined });
}
