/**
 * Every Janus node this server may place media on, by URL (the same list on
 * every app server), with their health.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { JanusNode } from './JanusNode.js';
import { MediaError } from './mediaErrors.js';

interface JanusPoolEvents {
  /** A node's connection dropped: everything on it is gone. */
  down: [node: JanusNode];
  up: [node: JanusNode];
}

export class JanusPool extends EventEmitter<JanusPoolEvents> {
  private readonly nodes: Map<string, JanusNode>;

  constructor(urls: string[], apiSecret: string | undefined, logger: Logger) {
    super();
    this.nodes = new Map(urls.map((url) => [url, new JanusNode(url, apiSecret, logger)]));
    for (const node of this.nodes.values()) {
      node.on('down', () => this.emit('down', node));
      node.on('up', () => this.emit('up', node));
    }
  }

  /** Connects to every node: at least one must answer; the others join when they come up. */
  async start(timeoutMs?: number): Promise<void> {
    const results = await Promise.allSettled(this.all.map((node) => node.start(timeoutMs)));
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failures.length === results.length) throw failures[0]?.reason;
    this.all.forEach((node, index) => {
      if (results[index]?.status === 'rejected') void node.keepConnecting();
    });
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
