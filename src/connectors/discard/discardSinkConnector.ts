import type { SinkConnector } from '../../runtime/Connector.js';

/**
 * Points go nowhere: counted in the metrics only. Under a job manager the live page still
 * shows them, which is what `clickflow demo` without `--out` uses.
 */
export function discardSink(): SinkConnector {
  return {
    description: 'none',
    open: async () => ({
      write: () => {},
      flush: async () => {},
      close: async () => {},
    }),
  };
}
