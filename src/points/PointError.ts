import { ClickflowError } from '../errors/ClickflowError.js';

/** A job built a point InfluxDB could not store: a programming error in the job, never retried. */
export class PointError extends ClickflowError {
  override readonly name = 'PointError';
}
