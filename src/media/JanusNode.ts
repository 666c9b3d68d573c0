/**
 * Our standing link to one Janus instance: keeps a connection open,
 * reconnects when it drops, and tells listeners when everything created over
 * the old connection (sessions, handles, PeerConnections) is gone.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { JanusConnection } from './janus/JanusConnection.js';
import type { JanusHandle } from './janus/JanusHandle.js';
import { JanusError } from './janus/janusErrors.js';
import { VIDEOROOM_PLUGIN } from './janus/videoroom.js';
import { sleep } from '../support/time.js';

interface JanusNodeEvents {
  up: [];
  /** The connection dropped: every session made over it is lost. */
  down: [];
}

const RECONNECT_DELAY_MS = 300;
/** A node that does not answer an `info` request within the request timeout is treated as down. */
const HEALTH_CHECK_INTERVAL_MS = 5_000;

export class JanusNode extends EventEmitter<JanusNodeEvents> {
  private current: JanusConnection | undefined;
  private control: Promise<JanusHandle> | undefined;
  private stopped = false;
  private healthCheck: NodeJS.Timeout | undefined;
  private readonly logger: Logger;

  constructor(
    readonly url: string,
    private readonly apiSecret: string | undefined,
    logger: Logger,
  ) {
    super();
    this.logger = logger.child({ janusNode: url });
  }

  get isUp(): boolean {
    return this.current?.isOpen === true;
  }

  /** Connects, retrying until Janus answers or `timeoutMs` passes. */
  async start(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.connect();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(RECONNECT_DELAY_MS);
      }
    }
  }

  connection(): JanusConnection {
    if (!this.current?.isOpen) throw JanusError.disconnected();
    return this.current;
  }

  /** A VideoRoom handle for room-level requests (create, destroy, list), shared by all rooms on this node. */
  controlHandle(): Promise<JanusHandle> {
    if (!this.control) {
      const connection = this.connection();
      this.control = connection
        .createSession()
        .then((session) => session.attach(VIDEOROOM_PLUGIN))
        .then((handle) => {
          handle.once('closed', () => (this.control = undefined));
          return handle;
        });
      this.control.catch(() => (this.control = undefined));
    }
    return this.control;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.healthCheck);
    this.current?.close();
  }

  private async connect(): Promise<void> {
    const connection = await JanusConnection.connect({ url: this.url, apiSecret: this.apiSecret, logger: this.logger });
    try {
      const info = await connection.info();
      this.logger.info({ version: info.version_string }, 'connected to Janus');
    } catch (error) {
      connection.close();
      throw error;
    }
    this.current = connection;
    connection.once('close', () => this.onConnectionLost(connection));
    clearInterval(this.healthCheck);
    this.healthCheck = setInterval(() => void connection.info().catch(() => connection.close()), HEALTH_CHECK_INTERVAL_MS);
    this.emit('up');
  }

  private onConnectionLost(connection: JanusConnection): void {
    if (connection !== this.current) return;
    this.current = undefined;
    this.control = undefined;
    clearInterval(this.healthCheck);
    if (this.stopped) return;
    this.logger.warn('lost the connection to Janus; reconnecting');
    this.emit('down');
    void this.keepConnecting();
  }

  /** Retries until Janus answers (or the node is stopped). */
  async keepConnecting(): Promise<void> {
    while (!this.stopped && !this.isUp) {
      try {
        await this.connect();
      } catch {
        await sleep(RECONNECT_DELAY_MS);
      }
    }
  }
}
