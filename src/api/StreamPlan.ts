import type { RecordFormat } from './RecordFormat.js';
import type { RecordStage } from './RecordStage.js';

/** What a job's chain has declared so far; each builder step returns a copy with one more thing. */
export interface StreamPlan {
  readonly name: string;
  readonly description: string;
  readonly format: RecordFormat<unknown>;
  readonly stages: readonly RecordStage[];
  /** From `withMaxOutOfOrderness`; the default applies when absent. */
  readonly maxOutOfOrdernessMs?: number;
}
