/**
 * Our SIP user agent's network side: one UDP socket, the `sip` package's
 * RFC 3261 transaction layer (retransmissions, ACKs of failures) on top of
 * it, and dispatch of incoming requests to the dialog they belong to.
 *
 * The package's own transport is not used: it binds TCP as well, cannot
 * take port 0, and lets socket errors escape as uncaught exceptions. Here a
 * send failure (e.g. the trunk's network is unreachable) is reported to the
 * caller instead.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { Logger } from 'pino';
import sip, { type Connection, type SipMessage, type SipRequest, type SipResponse, type TransactionLayer } from 'sip';
import { parseSipMessage } from './sipMessages.js';
import { REDACTED } from '../../logging/logger.js';

export const ALLOWED_METHODS = 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO';

export interface SipTarget {
  address: string;
  port: number;
}

export interface SipEndpointOptions {
  bindAddress: string;
  port: number;
  /** The address peers reach us at, for Via and Contact; detected towards the trunk when empty. */
  publicAddress: string;
  logger: Logger;
}

/** Handles a request that belongs to one of our dialogs. */
export type DialogHandler = (request: SipRequest) => void;

/** Handles an INVITE that starts a dialog (an incoming call), or a CANCEL of one not answered yet; `remote` sent it. */
export type IncomingHandler = (request: SipRequest, remote: SipTarget) => void;

export class SipEndpoint {
  private readonly transactions: TransactionLayer;
  private readonly dialogs = new Map<string, DialogHandler>();
  /** Incoming calls are refused (405) until someone takes them. */
  private incoming: IncomingHandler | undefined;
  /** 'closing': no new requests, but those already queued still go out (see close()). */
  private state: 'open' | 'closing' | 'closed' = 'open';

  private constructor(
    private readonly socket: Socket,
    readonly localPort: number,
    private readonly advertisedAddress: string,
    private readonly logger: Logger,
  ) {
    this.transactions = sip.makeTransactionLayer({}, undefined);
    socket.on('message', (data, remote) => this.receive(data, { address: remote.address, port: remote.port }));
    socket.on('error', (error) => logger.warn({ err: error.message }, 'SIP socket error'));
  }

  static async open(options: SipEndpointOptions, trunk: SipTarget): Promise<SipEndpoint> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port, options.bindAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const address = options.publicAddress || (await localAddressTowards(trunk));
    const endpoint = new SipEndpoint(socket, socket.address().port, address, options.logger.child({ component: 'sip' }));
    endpoint.logger.info({ address, port: endpoint.localPort }, 'SIP endpoint listening');
    return endpoint;
  }

  /** A logger for one call's SIP events, carrying its Call-ID (the key to the trunk's own logs). */
  callLogger(sipCallId: string): Logger {
    return this.logger.child({ sipCallId });
  }

  /** The address peers reach us at (SIP_PUBLIC_ADDRESS, or the one towards the trunk). */
  get publicAddress(): string {
    return this.advertisedAddress;
  }

  /** Our own SIP URI, for Contact headers. */
  contactUri(user: string): string {
    return `sip:${user}@${this.advertisedAddress}:${this.localPort}`;
  }

  /**
   * Sends a request in a client transaction; `onResponse` sees every
   * response, including the stack's own 408 and 503. Once the endpoint is
   * closing, the request is not sent and gets a 503 of its own.
   */
  request(message: SipRequest, target: SipTarget, onResponse: (response: SipResponse) => void): void {
    if (message.method !== 'CANCEL') message.headers.via = [{ params: {} }];
    if (this.state !== 'open') {
      queueMicrotask(() => onResponse(sip.makeResponse(message, 503, 'Service Unavailable (SIP endpoint closed)')));
      return;
    }
    this.transactions.createClientTransaction(this.connectionTo(target, onResponse, message), message, onResponse);
  }

  /** ACKs of 2xx responses are sent outside any transaction (RFC 3261 §13.2.2.4). */
  ack(message: SipRequest, target: SipTarget): void {
    message.headers.via = [{ params: { branch: sip.generateBranch() } }];
    this.connectionTo(target).send(message);
  }

  onIncoming(handler: IncomingHandler): void {
    this.incoming = handler;
  }

  onDialogRequest(dialogId: string, handler: DialogHandler): void {
    this.dialogs.set(dialogId, handler);
  }

  forgetDialog(dialogId: string): void {
    this.dialogs.delete(dialogId);
  }

  respond(request: SipRequest, status: number, reason: string, extra?: { headers?: Record<string, unknown>; content?: string }): void {
    const response = sip.makeResponse(request, status, reason);
    Object.assign(response.headers, extra?.headers);
    if (extra?.content !== undefined) response.content = extra.content;
    this.transactions.getServer(request)?.send?.(response);
  }

  /**
   * Stops taking requests, sends once what is already queued (e.g. the BYEs
   * of a shutdown's hang-ups), then ends every transaction and its timers.
   * The `sip` package starts a client transaction on the next tick: ending
   * it before then would leave its retransmission and 32 s timers running.
   */
  close(): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    setImmediate(() => {
      this.state = 'closed';
      this.transactions.destroy();
      this.socket.close();
    });
  }

  private connectionTo(target: SipTarget, onResponse?: (response: SipResponse) => void, request?: SipRequest): Connection {
    return {
      protocol: 'UDP',
      release: () => undefined,
      send: (message: SipMessage) => {
        if (this.state === 'closed') return;
        if ('method' in message) {
          const via = message.headers.via?.[0];
          if (via) Object.assign(via, { host: this.advertisedAddress, port: this.localPort, protocol: 'UDP' }, { params: { ...via.params, rport: null } });
        }
        const text = sip.stringify(message);
        if (this.logger.isLevelEnabled('trace')) this.logger.trace({ target, sip: withoutCredentials(text) }, 'SIP out');
        this.socket.send(Buffer.from(text, 'binary'), target.port, target.address, (error) => {
          if (!error) return;
          this.logger.warn({ err: error.message, target }, 'cannot send SIP message');
          // Report it as the transaction's failure, as a proxy would with 503.
          if (onResponse && request) onResponse(sip.makeResponse(request, 503, `Transport Error (${error.message})`));
        });
      },
    };
  }

  private receive(data: Buffer, remote: SipTarget): void {
    if (this.logger.isLevelEnabled('trace')) this.logger.trace({ remote, sip: withoutCredentials(data.toString('latin1')) }, 'SIP in');
    const message = parseSipMessage(data);
    if (!message) {
      this.logger.debug({ remote }, 'ignored a datagram that is not a SIP message');
      return;
    }
    if (!('method' in message)) {
      this.transactions.getClient(message)?.message?.(message, remote);
      return;
    }
    const existing = this.transactions.getServer(message);
    if (existing) {
      existing.message?.(message, remote);
      return;
    }
    if (message.method !== 'ACK') this.transactions.createServerTransaction(message, this.connectionTo(remote));
    this.dispatch(message, remote);
  }

  private dispatch(request: SipRequest, remote: SipTarget): void {
    const id = dialogIdOf(request.headers['call-id'], request.headers.to.params['tag'], request.headers.from.params['tag']);
    const handler = this.dialogs.get(id);
    if (handler) {
      handler(request);
      return;
    }
    if (request.method === 'ACK') return;
    const startsOrCancelsCall = (request.method === 'INVITE' || request.method === 'CANCEL') && !request.headers.to.params['tag'];
    if (startsOrCancelsCall && this.incoming) this.incoming(request, remote);
    else if (request.method === 'OPTIONS') this.respond(request, 200, 'OK', { headers: { allow: ALLOWED_METHODS } });
    else if (request.headers.to.params['tag']) this.respond(request, 481, 'Call/Transaction Does Not Exist');
    else this.respond(request, 405, 'Method Not Allowed');
  }
}

/**
 * Digest credentials, which whoever reads the log could replay or crack: the value of each (Proxy-)Authorization
 * header, with the lines it may be folded onto.
 */
const CREDENTIAL_HEADER = /^((?:proxy-)?authorization[ \t]*:)[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/gim;

/** A SIP message as text, for the trace log, without its credentials. */
export function withoutCredentials(message: string): string {
  return message.replace(CREDENTIAL_HEADER, `$1 ${REDACTED}`);
}

/** Dialog ids as seen from our side: Call-ID, our tag, their tag. */
export function dialogIdOf(callId: string, localTag: unknown, remoteTag: unknown): string {
  return `${callId}\n${String(localTag)}\n${String(remoteTag)}`;
}

/** The local address the kernel would use to reach a peer (the trunk, a Janus node): what it must send replies to. */
export async function localAddressTowards(trunk: SipTarget): Promise<string> {
  const probe = createSocket('udp4');
  try {
    const { address } = await lookup(trunk.address, { family: 4 });
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.connect(trunk.port, address, () => resolve());
    });
    return probe.address().address;
  } finally {
    probe.close();
  }
}
