/** The `convene` server process. */
import { loadConfig } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { startServer } from './startServer.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  // A promise nobody awaited has failed: a bug, but one in a single request or room. Log it loudly and keep
  // serving everyone else, where node's default would end the process and every meeting on it.
  process.on('unhandledRejection', (reason) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    logger.error({ err: error }, 'unhandled rejection'); // pino's err serializer keeps its message and stack
  });
  const server = await startServer(config, logger);
  console.error(`\nConvene is running: open ${server.url.replace('127.0.0.1', 'localhost')} in your browser.\n`);
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: Error) => {
  console.error(`Convene could not start: ${error.message}`);
  process.exit(1);
});
