import { ClickflowError } from '../../errors/ClickflowError.js';

/**
 * A partition of an internal topic starts after the offset its group committed: moved records
 * the job still needed were deleted (a retention, a manual delete), and its results would
 * silently miss them.
 */
export class InternalTopicGapError extends ClickflowError {
  override readonly name = 'InternalTopicGapError';

  constructor(where: string, committed: number, first: number) {
    super(
      `${where} starts at offset ${first}, but the group committed ${committed}: the moved records between were deleted ` +
        '(a retention.ms on the topic, or a manual delete), and the results would miss them. To recompute, run the job under a new --group, ' +
        'or delete the group\'s *-repartition topics and its commits (kafka-consumer-groups.sh --delete)',
    );
  }
}
