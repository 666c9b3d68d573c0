/**
 * A page without a browser, for load tests: joins a room over HTTP and the
 * signalling WebSocket, optionally publishes a canned camera offer (Janus
 * answers it and sets up a PeerConnection that never connects), stays a
 * while, and leaves. Everything that goes wrong is counted, not thrown.
 */
import WebSocket from 'ws';
import { ServerMessage, type ClientMessage } from '../../src/protocol/messages.js';
import type { JoinCallReply } from '../../src/protocol/http.js';

export interface LoadTally {
  joins: number;
  welcomes: number;
  publishes: number;
  publishAnswers: number;
  leaves: number;
  /** Anything that went wrong, by kind: HTTP statuses, error messages, unexpected closes, timeouts. */
  problems: Map<string, number>;
}

export function newTally(): LoadTally {
  return { joins: 0, welcomes: 0, publishes: 0, publishAnswers: 0, leaves: 0, problems: new Map() };
}

function note(tally: LoadTally, problem: string): void {
  tally.problems.set(problem, (tally.problems.get(problem) ?? 0) + 1);
}

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');

/** A sendonly Opus + VP8 offer, bundled, as a browser would make it; its ICE never completes. */
function cannedOffer(sessionId: number): string {
  const media = (kind: 'audio' | 'video', mid: number, payload: number, rtpmap: string, ssrc: number) => [
    `m=${kind} 9 UDP/TLS/RTP/SAVPF ${payload}`, 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:load', 'a=ice-pwd:loadtestloadtestloadtest', 'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${FINGERPRINT}`, 'a=setup:actpass', `a=mid:${mid}`, 'a=sendonly', 'a=rtcp-mux',
    `a=rtpmap:${payload} ${rtpmap}`, `a=ssrc:${ssrc} cname:load`,
  ];
  return [
    'v=0', `o=- ${sessionId} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'a=msid-semantic: WMS',
    ...media('audio', 0, 111, 'opus/48000/2', 1111), ...media('video', 1, 96, 'VP8/90000', 2222), '',
  ].join('\r\n');
}

export interface VisitOptions {
  baseUrl: string;
  room: string;
  name: string;
  publish: boolean;
  stayMs: number;
  timeoutMs: number;
}

/** One visit: join, be welcomed, maybe publish, stay, leave. Resolves when the socket has closed. */
export async function visitRoom(options: VisitOptions, tally: LoadTally): Promise<void> {
  const response = await fetch(`${options.baseUrl}/joinCall`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: options.name, room: options.room }),
  }).catch(() => undefined);
  if (!response?.ok) {
    note(tally, `joinCall ${response?.status ?? 'unreachable'}`);
    return;
  }
  const { token } = (await response.json()) as JoinCallReply;
  tally.joins += 1;
  const socket = new WebSocket(`${options.baseUrl.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
  const send = (message: ClientMessage) => socket.send(JSON.stringify(message));
  await new Promise<void>((resolve) => {
    let stayTimer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      note(tally, 'visit timed out');
      socket.terminate();
    }, options.timeoutMs);
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      tally.leaves += 1;
      send({ type: 'leave' });
    };
    socket.on('message', (data) => {
      const parsed = ServerMessage.safeParse(JSON.parse(data.toString()));
      if (!parsed.success) return note(tally, 'unparseable message');
      const message = parsed.data;
      if (message.type === 'error') {
        note(tally, `error message ${message.code}`);
        leave();
      }
      if (message.type === 'welcome') {
        tally.welcomes += 1;
        if (options.publish) {
          tally.publishes += 1;
          send({ type: 'publish', feed: 'camera', sdp: cannedOffer(Date.now()) });
        } else stayTimer = setTimeout(leave, options.stayMs);
      }
      if (message.type === 'publishAnswer') {
        tally.publishAnswers += 1;
        stayTimer = setTimeout(leave, options.stayMs);
      }
    });
    socket.on('error', () => note(tally, 'socket error'));
    socket.on('unexpected-response', (_request, reply) => note(tally, `ws upgrade ${reply.statusCode}`));
    socket.on('close', (code) => {
      if (code !== 1000) note(tally, `closed with ${code}`);
      clearTimeout(deadline);
      clearTimeout(stayTimer);
      resolve();
    });
  });
}
