/**
 * What a commit records beside the source positions, so that outputs can resume exactly after
 * a crash: when its snapshot was taken, and how long each resumable output was at that moment.
 */
export interface OutputMarks {
  /** Wall-clock time of the snapshot, in epoch ms: whatever the job writes after a crash's last commit is written after it. */
  readonly takenAtMs: number;
  /** Bytes of each resumable output by its resume key (`file:/abs/out.lp`). */
  readonly outputBytes: Readonly<Record<string, number>>;
}

/**
 * Where outputs resume when a source starts from commits a previous run made (Kafka): given to
 * the output connectors as they open.
 */
export interface ResumePoint {
  /**
   * The earliest snapshot time among the partitions' last commits, in epoch ms. Anything an
   * output received after the committed positions was written after it: a dead-letter topic
   * scans from here for records it already holds.
   */
  readonly committedAtMs: number;
  /** Each resumable output's length at the last commit, by resume key. */
  readonly outputBytes: ReadonlyMap<string, number>;
}
