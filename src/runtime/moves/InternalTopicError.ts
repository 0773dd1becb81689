import { ClickflowError } from '../../errors/ClickflowError.js';

/** A message of an internal topic that clickflow did not write: the topic is shared or damaged. */
export class InternalTopicError extends ClickflowError {
  override readonly name = 'InternalTopicError';

  constructor(where: string, detail: string) {
    super(
      `${where} holds a message clickflow did not write (${detail}). Internal topics belong to one job's consumer group: ` +
        'run the job under a new --group, or delete the group\'s *-repartition topics and its commits to start it afresh.',
    );
  }
}
