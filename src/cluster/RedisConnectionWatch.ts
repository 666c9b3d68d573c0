/**
 * Whether this server reaches Redis, said once when it is lost and once
 * when it is back, whatever the client library retries in between. Both
 * the command connection and the subscriber connection count: events from
 * other servers are missed while either is away.
 */
import type { Logger } from 'pino';
import type { ConnectionListener } from './RoomDirectory.js';

interface WatchedClient {
  readonly isReady: boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

export class RedisConnectionWatch {
  /** Where Redis is, without any password the URL may carry. */
  readonly address: string;
  private up = true;
  private stopped = false;
  private readonly listeners = new Set<ConnectionListener>();

  constructor(
    url: string,
    private readonly clients: WatchedClient[],
    /** How many rooms depend on Redis here, for the warning. */
    private readonly roomCount: () => number,
    private readonly logger: Logger,
  ) {
    this.address = addressOf(url);
    for (const client of clients) {
      client.on('error', (error) => this.lost(error));
      client.on('ready', () => this.maybeBack());
    }
  }

  get isUp(): boolean {
    return this.up;
  }

  onChange(listener: ConnectionListener): void {
    this.listeners.add(listener);
  }

  stop(): void {
    this.stopped = true;
  }

  private lost(error: Error): void {
    if (!this.up || this.stopped) return;
    this.up = false;
    this.logger.warn(
      { redis: this.address, rooms: this.roomCount(), err: error.message || error.name },
      'lost the connection to Redis: joins are refused with 503 and rooms cannot share changes until it is back; retrying',
    );
    for (const listener of this.listeners) listener('lost');
  }

  private maybeBack(): void {
    if (this.up || this.stopped || !this.clients.every((client) => client.isReady)) return;
    this.up = true;
    this.logger.info({ redis: this.address, rooms: this.roomCount() }, 'Redis is reachable again: writing back what this server holds and reading its rooms again');
    for (const listener of this.listeners) listener('back');
  }
}

function addressOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'redis (unparseable REDIS_URL)';
  }
}
