/**
 * The server's Prometheus metrics: gauges read afresh from the rooms and the
 * Janus nodes at every scrape, a counter of the errors we answered with, and
 * the process's own (CPU, memory, event loop). One registry per server, so
 * several servers in one process (the tests) do not mix their numbers.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { CallState } from '../protocol/messages.js';
import type { RegistryStats } from '../rooms/roomStats.js';
import type { DialInMetrics } from '../telephony/dialIn/DialIn.js';

export interface ServerStats extends RegistryStats {
  janusNodes: Array<{ url: string; up: boolean }>;
}

/** Where the gauges come from: read only, asked once per scrape. */
export interface StatsSource {
  stats(): Promise<ServerStats>;
}

/** Where an error was met: an HTTP reply, a signalling `error` message, or work of the server's own that nobody awaited. */
export type ErrorChannel = 'http' | 'ws' | 'internal';

export class ServerMetrics {
  private readonly registry = new Registry();
  private readonly rooms = new Gauge({ name: 'convene_rooms', help: 'Rooms open on this server.', registers: [this.registry] });
  private readonly participants = new Gauge({
    name: 'convene_participants',
    help: 'People and phones in the rooms (reservations not yet connected excluded).',
    registers: [this.registry],
  });
  private readonly publishers = new Gauge({
    name: 'convene_publishers',
    help: 'Feeds being sent into the rooms: cameras, screenshares, answered phones.',
    registers: [this.registry],
  });
  private readonly subscriptions = new Gauge({ name: 'convene_subscriptions', help: 'Remote feeds being received by pages.', registers: [this.registry] });
  private readonly phoneCalls = new Gauge({
    name: 'convene_phone_calls',
    help: 'Phone calls in the rooms, by state.',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  private readonly janusUp = new Gauge({
    name: 'convene_janus_up',
    help: 'Whether the Janus node answers (1) or not (0).',
    labelNames: ['url'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'convene_errors_total',
    help: 'Errors, by channel (http reply, ws message, internal: background work of the server) and stable code.',
    labelNames: ['channel', 'code'] as const,
    registers: [this.registry],
  });

  private readonly dialInCalls = new Counter({
    name: 'convene_dial_in_calls_total',
    help: 'Phone calls that came in, by how they ended at the PIN prompt: joined, wrong_pin, rate_limited, hung_up, locked, full, refused, failed.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly pinAttempts = new Counter({
    name: 'convene_dial_in_pin_attempts_total',
    help: 'PINs typed by callers, by result (right or wrong).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  countError(channel: ErrorChannel, code: string): void {
    this.errors.inc({ channel, code });
  }

  /** See dialIn/DialIn.ts (DialInMetrics). */
  readonly dialIn: DialInMetrics = {
    callEnded: (outcome) => this.dialInCalls.inc({ outcome }),
    pinTried: (right) => this.pinAttempts.inc({ result: right ? 'right' : 'wrong' }),
  };

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in Prometheus's text format, the gauges read from `source` just now. */
  async render(source: StatsSource): Promise<string> {
    const stats = await source.stats();
    this.rooms.set(stats.rooms);
    this.participants.set(stats.participants);
    this.publishers.set(stats.publishers);
    this.subscriptions.set(stats.subscriptions);
    for (const state of CallState.options) this.phoneCalls.set({ state }, stats.callsByState[state]);
    this.janusUp.reset();
    for (const node of stats.janusNodes) this.janusUp.set({ url: node.url }, node.up ? 1 : 0);
    return this.registry.metrics();
  }
}
