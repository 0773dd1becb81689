/**
 * An output that resumes after a crash where the last commit left it, rather than starting
 * over: a file, truncated back to the length it had when the source last committed.
 *
 * The runtime reads `bytesWritten` at the moment it takes a commit's snapshot, when everything
 * written so far stems from records the snapshot covers, and stores it with the commit
 * ({@link OutputMarks}). On restart the output finds its length in the {@link ResumePoint}.
 */
export interface ResumableOutput {
  /** Names the output in commit metadata, e.g. `file:/abs/out.lp`; absent when it cannot resume (stdout, InfluxDB). */
  readonly resumeKey?: string;
  /** Bytes handed to the output so far, including the length it resumed at. */
  readonly bytesWritten?: number;
}
