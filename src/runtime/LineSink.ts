/** Where a job's lines go: stdout, a file, InfluxDB. `write` buffers; `flush` makes it durable. */
export interface LineSink {
  write(lines: readonly string[]): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
