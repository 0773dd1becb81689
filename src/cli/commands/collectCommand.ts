import { Command, InvalidArgumentError, Option } from 'commander';
import { normalOrigin } from '../../collector/CorsPolicy.js';
import { DEFAULTS } from '../../config/defaults.js';
import { parseBrokers } from '../../connectors/kafka/parseBrokers.js';
import { validateTopicName } from '../../connectors/kafka/validateTopicName.js';
import { ConfigError } from '../../errors/ConfigError.js';
import { logger } from '../../logging/logger.js';
import { allowedHostArgument } from '../allowedHostArgument.js';
import { kafkaSecurityOf, kafkaSecurityOptions } from '../kafkaSecurityOptions.js';
import { integerArgument } from '../numberArgument.js';
import { portArgument } from '../portArgument.js';
import { shutdownSignal } from '../shutdownSignal.js';

/** Commander parser of `--allow-origin`: repeatable, and comma-separated (its env form), added to the previous ones. */
function allowOriginArgument(text: string, previous: readonly string[]): string[] {
  const origins = text.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
  try {
    return [...previous, ...origins.map((origin) => (origin === '*' ? origin : normalOrigin(origin)))];
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidArgumentError(error.message.slice(error.option.length + 2));
    throw error;
  }
}

function keyArgument(text: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) throw new InvalidArgumentError(`"${text}" is not a field name; give the event field whose value keys the message, e.g. user_id or session_id.`);
  return text;
}

/** `clickflow collect`: the HTTP collector of browser events, into Kafka. */
export function collectCommand(): Command {
  const d = DEFAULTS.collector;
  const command = new Command('collect')
    .description('take click events over HTTP (POST /v1/events: a JSON array or NDJSON), validate them and store them in Kafka')
    .addOption(new Option('--port <port>', 'TCP port (0: any free one)').argParser(portArgument).default(d.port))
    .addOption(new Option('--host <host>', 'address to listen on (0.0.0.0: every interface)').default(d.host))
    .addOption(
      new Option('--allowed-host <name>', 'a name pages and clients reach the collector by (its Host header), besides IPs and localhost; repeatable')
        .env('CLICKFLOW_ALLOWED_HOSTS')
        .argParser(allowedHostArgument)
        .default(d.allowedHosts, 'none'),
    )
    .addOption(new Option('--brokers <list>', 'Kafka brokers, host:port[,…]').env('KAFKA_BROKERS').default(DEFAULTS.brokers))
    .addOption(new Option('--topic <name>', `topic to write to (created with ${d.partitions} partitions if missing)`).default(DEFAULTS.topic))
    .addOption(new Option('--key <field>', 'event field whose value keys each message').argParser(keyArgument).default(d.key))
    .addOption(
      new Option('--allow-origin <origin>', 'origin (scheme://host[:port]) whose pages may post events from a browser, * for any; repeatable')
        .env('CLICKFLOW_ALLOW_ORIGINS')
        .argParser(allowOriginArgument)
        .default([], 'none: only requests without Origin'),
    )
    .addOption(
      new Option('--rate-limit <requests>', `requests one address may make per minute; more are answered 429`).argParser(integerArgument(1)).default(d.rateLimit.requests),
    )
    .addOption(new Option('--demo-site', 'also serve the demo shop at /shop (with the tracker, posting here)'));
  for (const option of kafkaSecurityOptions()) command.addOption(option);
  return command.action(async (flags: Record<string, unknown>) => {
    const brokers = flags.brokers as string;
    const topic = flags.topic as string;
    // Checked before anything listens: a bad value exits 2 with its fix.
    parseBrokers(brokers);
    validateTopicName('--topic', topic);
    const security = kafkaSecurityOf(flags);
    // Imported here: Fastify, prom-client and kafkajs are not worth loading for every other command.
    const [{ startCollector }, { kafkaEventWriter }, site] = await Promise.all([
      import('../../collector/startCollector.js'),
      import('../../collector/kafkaEventWriter.js'),
      import('../../site/demoSiteRoutes.js'),
    ]);
    const demoSite = flags.demoSite === true;
    const collector = await startCollector({
      writer: kafkaEventWriter({ brokers, topic, security, partitions: d.partitions }),
      port: flags.port as number,
      host: flags.host as string,
      allowedHosts: flags.allowedHost as string[],
      key: flags.key as string,
      allowOrigins: flags.allowOrigin as string[],
      rateLimit: { requests: flags.rateLimit as number, windowMs: d.rateLimit.windowMs },
      // Every collector serves the tracker, so that a page includes it from the collector it posts to.
      routes: demoSite ? site.demoSiteRoutes() : site.trackerRoutes(),
      notFoundPages: demoSite ? site.demoSiteNotFoundPages() : undefined,
    });
    // One write: a reader of the pipe sees both lines at once, not the first alone.
    process.stdout.write(`collector at ${collector.url}/v1/events\n${demoSite ? `demo shop at ${collector.url}/shop\n` : ''}`);
    logger.info({ url: collector.url, brokers, topic }, 'collector listening');
    await new Promise<void>((resolve) => {
      if (shutdownSignal.aborted) resolve();
      shutdownSignal.addEventListener('abort', () => resolve(), { once: true });
    });
    logger.info('stopping: the events already accepted go to Kafka first');
    await collector.close();
  });
}
