import type { ResumableOutput } from '../ResumableOutput.js';

/**
 * One message of an internal topic: a record moved by key, with what its writer knew when it
 * sent it, or a writer's watermark, which every partition of the topic receives.
 */
export type MovedMessage =
  | {
      readonly kind: 'record';
      /** The writing partition (of the source, or of the internal topic before). */
      readonly writer: number;
      /**
       * Rises with every record the writer sends: the source offset, or the count of window
       * results the writer has emitted. A copy resent after a restart has an id already seen.
       */
      readonly id: number;
      readonly timeMs: number;
      /** The writer's watermark when the record was read there: the window after the move judges it by it. */
      readonly watermarkMs: number;
      readonly record: unknown;
    }
  | {
      readonly kind: 'watermark';
      readonly writer: number;
      readonly watermarkMs: number;
      /**
       * The writer's source partition has had no records for the idle timeout: it holds the
       * partition's watermark back no longer, until its next watermark without this flag.
       */
      readonly idle?: boolean;
    };

/**
 * Carries records moved by key between processes (Kafka's internal topics, one per move of the
 * job, with the source's partition count). Flushed with the job's outputs, before the commit
 * that covers what was sent: after a crash, a writer re-sends from its commit and the reader
 * drops the copies by id.
 */
export interface MoveTransport extends ResumableOutput {
  /** Partitions of the source and of every internal topic. */
  readonly partitions: number;
  /** Rejects as soon as the transport fails for good; never resolves. */
  readonly failed?: Promise<never>;
  /** Queues a message for partition `partition` of move `move`'s topic (moves numbered 0 … in graph order). */
  send(move: number, partition: number, message: MovedMessage): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Batches of the source and of every internal topic arrive on one stream: partition `p` of move
 * `m`'s topic as `(m + 1) * partitions + p`, the source's own partitions as themselves.
 */
export function combinedPartition(move: number, partition: number, partitions: number): number {
  return (move + 1) * partitions + partition;
}

/** The move (−1 for the source) and partition of a combined partition number. */
export function splitPartition(combined: number, partitions: number): { readonly move: number; readonly partition: number } {
  const topic = Math.floor(combined / partitions);
  return { move: topic - 1, partition: combined - topic * partitions };
}
