import type { EventWriter } from '../collector/EventWriter.js';
import type { JobManager } from './JobManager.js';

/**
 * The demo collector's writer: its events go to the in-memory topic of each generator job of
 * the job manager (`manager()`, undefined until it runs), which has no Kafka to keep them. A
 * write resolves once the jobs running then have them; nothing outlives those jobs.
 */
export function generatorJobsWriter(manager: () => JobManager | undefined): EventWriter {
  return {
    write: async (messages) => {
      await manager()?.sendToGeneratorJobs(messages);
    },
    close: async () => {},
  };
}
