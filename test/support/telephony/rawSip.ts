/**
 * A SIP peer made of one UDP socket and text, for hostile tests: it sends
 * whatever bytes it is given (well-formed or not) to the server's SIP
 * port, and collects what comes back, so a test can tell an answer from
 * silence.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

export interface SipReply {
  /** The status code of a response, or the method of a request the server sent us (e.g. BYE). */
  readonly start: string;
  readonly status: number | undefined;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

export class RawSipPeer {
  private readonly replies: SipReply[] = [];
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly socket: Socket,
    readonly host: string,
    readonly port: number,
    private readonly server: { host: string; port: number },
  ) {
    socket.on('message', (data) => {
      this.replies.push(parseReply(data.toString('latin1')));
      for (const listener of this.listeners) listener();
    });
  }

  /** `host`: the loopback address the peer sends from (another than the trunk's: a stranger). */
  static async open(server: { host: string; port: number }, host = '127.0.0.1'): Promise<RawSipPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return new RawSipPeer(socket, host, socket.address().port, server);
  }

  send(message: string | Buffer): void {
    this.socket.send(typeof message === 'string' ? Buffer.from(message, 'latin1') : message, this.server.port, this.server.host);
  }

  /** The first reply (so far or to come) about `callId` that `accept` takes; undefined after `timeoutMs`. */
  waitFor(callId: string, accept: (reply: SipReply) => boolean, timeoutMs: number): Promise<SipReply | undefined> {
    const find = (): SipReply | undefined => this.replies.find((reply) => reply.headers.get('call-id') === callId && accept(reply));
    return new Promise((resolve) => {
      const check = (): void => {
        const found = find();
        if (!found) return;
        done();
        resolve(found);
      };
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      const timer = setTimeout(() => {
        done();
        resolve(undefined);
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  close(): void {
    this.socket.close();
  }
}

export const newCallId = (): string => randomBytes(8).toString('hex');

const HOSTILE_CALLER = '+15559990000';

/** A request inside the dialog an INVITE of ours opened: `to` is the To header of the server's 200 OK (with its tag). */
export function inDialogText(options: { method: string; callId: string; fromTag: string; to: string; cseq: number; peerPort: number; serverPort: number; contentType?: string; body?: string }): string {
  const body = options.body ?? '';
  return [
    `${options.method} sip:convene@127.0.0.1:${options.serverPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${options.peerPort};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    `From: <sip:${HOSTILE_CALLER}@127.0.0.1>;tag=${options.fromTag}`,
    `To: ${options.to}`,
    `Call-ID: ${options.callId}`,
    `CSeq: ${options.cseq} ${options.method}`,
    'Max-Forwards: 70',
    ...(options.contentType ? [`Content-Type: ${options.contentType}`] : []),
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
    '',
    body,
  ].join('\r\n');
}

/** An INVITE as a trunk would send it to the server (the lab trunk is on 127.0.0.1 too), with this SDP. */
export function inviteText(options: { number: string; callId: string; peerPort: number; serverPort: number; sdp?: string; fromTag?: string; peerHost?: string }): string {
  const body = options.sdp ?? '';
  return [
    `INVITE sip:${options.number}@127.0.0.1:${options.serverPort} SIP/2.0`,
    `Via: SIP/2.0/UDP ${options.peerHost ?? '127.0.0.1'}:${options.peerPort};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    `From: <sip:${HOSTILE_CALLER}@127.0.0.1>;tag=${options.fromTag ?? randomBytes(4).toString('hex')}`,
    `To: <sip:${options.number}@127.0.0.1>`,
    `Call-ID: ${options.callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:hostile@${options.peerHost ?? '127.0.0.1'}:${options.peerPort}>`,
    'Max-Forwards: 70',
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
    '',
    body,
  ].join('\r\n');
}

/** A plain RTP audio offer from 127.0.0.1 at `rtpPort`: the payload types given, with their rtpmaps. */
export function audioOffer(rtpPort: number, payloads: Array<{ pt: number; name: string }>, media = 'audio'): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=${media} ${rtpPort} RTP/AVP ${payloads.map((p) => p.pt).join(' ')}`,
    ...payloads.map((p) => `a=rtpmap:${p.pt} ${p.name}/8000`),
    '',
  ].join('\r\n');
}

function parseReply(text: string): SipReply {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [start = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const status = /^SIP\/2\.0 (\d{3})/.exec(start)?.[1];
  return { start, status: status === undefined ? undefined : Number(status), headers, body };
}
