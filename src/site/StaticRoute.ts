/** A fixed answer to `GET <path>`, which a server (the collector) serves as it is. */
export interface StaticRoute {
  readonly contentType: string;
  readonly body: Buffer;
}
