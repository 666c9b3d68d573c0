/**
 * Every Janus node this server may place media on, by URL (the same list on
 * every app server), with their health.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { JanusNode } from './JanusNode.js';
import { MediaError } from './mediaErrors.js';
import { waitLoudly } from '../support/progress.js';
import { sleep } from '../support/time.js';

const START_TIMEOUT_MS = 15_000;
/** Once one node answers, the others get this long to answer too before the server starts without them. */
const OTHERS_GRACE_MS = 2_000;

interface JanusPoolEvents {
  /** A node's connection dropped: everything on it is gone. */
  down: [node: JanusNode];
  up: [node: JanusNode];
}

export class JanusPool extends EventEmitter<JanusPoolEvents> {
  private readonly nodes: Map<string, JanusNode>;

  constructor(
    urls: string[],
    apiSecret: string | undefined,
    private readonly logger: Logger,
  ) {
    super();
    this.nodes = new Map(urls.map((url) => [url, new JanusNode(url, apiSecret, logger)]));
    for (const node of this.nodes.values()) {
      node.on('down', () => this.emit('down', node));
      node.on('up', () => this.emit('up', node));
    }
  }

  /**
   * Connects to every node and resolves as soon as one answers; the others
   * join when they come up (said once now, so an operator knows the server
   * runs short of nodes). Fails when none answers within `timeoutMs`.
   */
  async start(timeoutMs = START_TIMEOUT_MS): Promise<void> {
    const starts = this.all.map((node) =>
      node.start(timeoutMs).catch((error: unknown) => {
        void node.keepConnecting();
        throw error;
      }),
    );
    const urls = this.all.map((node) => node.url).join(', ');
    try {
      await waitLoudly(this.logger, `Janus at ${urls}`, timeoutMs, Promise.any(starts));
    } catch (error) {
      const first = error instanceof AggregateError ? error.errors[0] : error;
      throw new Error(`no Janus node answered within ${Math.round(timeoutMs / 1000)} s (${urls}): ${(first as Error).message}`);
    }
    await Promise.race([Promise.allSettled(starts), sleep(OTHERS_GRACE_MS)]);
    const missing = this.all.filter((node) => !node.isUp).map((node) => node.url);
    if (missing.length > 0) {
      this.logger.warn({ janusNodes: missing }, 'starting without these Janus nodes, which do not answer yet: rooms use the others until they do');
    }
  }

  get all(): JanusNode[] {
    return [...this.nodes.values()];
  }

  healthy(): JanusNode[] {
    return this.all.filter((node) => node.isUp);
  }

  get isUp(): boolean {
    return this.healthy().length > 0;
  }

  /** The node of that URL, if this server has it configured (another server's record may name one it has not). */
  find(url: string): JanusNode | undefined {
    return this.nodes.get(url);
  }

  node(url: string): JanusNode {
    const node = this.nodes.get(url);
    if (!node) throw MediaError.unavailable(`Janus node ${url} is not configured on this server`);
    return node;
  }

  stop(): void {
    for (const node of this.nodes.values()) node.stop();
  }
}
