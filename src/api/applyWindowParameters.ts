import { ConfigError } from '../errors/ConfigError.js';
import type { JobParameters } from '../jobs/Job.js';
import { EventTimeSessionWindows } from '../operators/EventTimeSessionWindows.js';
import { SlidingEventTimeWindows } from '../operators/SlidingEventTimeWindows.js';
import { TumblingEventTimeWindows } from '../operators/TumblingEventTimeWindows.js';
import type { WindowAssigner } from '../operators/WindowAssigner.js';
import { formatDuration } from '../time/parseDuration.js';

/**
 * The job's declared windows with `--window`, `--slide` and `--gap` applied: `--window` resizes
 * a tumbling or hopping window, `--slide` makes it hop (a slide equal to the size is tumbling),
 * `--gap` sets a session window's gap. The declared offset is kept where it still fits.
 * With `strict`, a parameter the window has no use for is refused; without, it is ignored
 * (a job with windows of both kinds gives each its own).
 *
 * @throws ConfigError for a size or slide given to a session window, or a gap to another (strict)
 */
export function applyWindowParameters(declared: WindowAssigner, parameters: JobParameters, jobName: string, strict = true): WindowAssigner {
  const { windowMs, slideMs, gapMs } = parameters;
  if (gapMs !== undefined && !(Number.isSafeInteger(gapMs) && gapMs > 0)) throw new ConfigError('--gap', `must be a positive duration, e.g. 30m; got ${gapMs} ms`);
  if (declared.kind === 'session' && gapMs !== undefined) {
    if (strict && (windowMs !== undefined || slideMs !== undefined)) return applyWindowParameters(declared, { windowMs, slideMs }, jobName);
    return EventTimeSessionWindows.withGap(gapMs);
  }
  if (declared.kind === 'aligned' && gapMs !== undefined && strict) {
    throw new ConfigError('--gap', `job "${jobName}" uses tumbling or hopping windows, which have no gap; give --window or --slide instead`);
  }
  if (windowMs === undefined && slideMs === undefined) return declared;
  if (!strict && declared.kind === 'session') return declared;
  if (windowMs !== undefined && !(windowMs > 0)) throw new ConfigError('--window', `must be longer than 0, e.g. 10s; got ${windowMs} ms`);
  if (slideMs !== undefined && !(slideMs > 0)) throw new ConfigError('--slide', `must be longer than 0, e.g. 5s for windows every 5 seconds; got ${slideMs} ms`);
  if (declared.kind === 'session') {
    throw new ConfigError(
      windowMs !== undefined ? '--window' : '--slide',
      `job "${jobName}" uses session windows (gap ${formatDuration(declared.gapMs)}), which have no size or slide; leave the option out`,
    );
  }
  const sizeMs = windowMs ?? declared.sizeMs;
  const tumbling = declared.slideMs === declared.sizeMs;
  const slide = slideMs ?? (tumbling ? sizeMs : declared.slideMs);
  if (slide > sizeMs) {
    throw new ConfigError(
      '--slide',
      `${formatDuration(slide)} is longer than the window (${formatDuration(sizeMs)}); a slide must be at most the window size (equal means tumbling windows)`,
    );
  }
  const offsetMs = declared.offsetMs < slide ? declared.offsetMs : 0;
  return slide === sizeMs ? TumblingEventTimeWindows.of(sizeMs, offsetMs) : SlidingEventTimeWindows.of(sizeMs, slide, offsetMs);
}
