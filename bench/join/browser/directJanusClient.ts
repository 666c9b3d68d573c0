/**
 * The smallest client that joins a VideoRoom by talking to Janus's WebSocket
 * API itself, with no app server in between: the baseline our signalling's
 * overhead is measured against. It does what the meeting page does over our
 * protocol (publish the camera as the same three simulcast layers, subscribe
 * to every other publisher starting from its smallest layer, trickle ICE)
 * and nothing else. Settings come from the query string.
 */
export {};

interface JanusMessage {
  janus: string;
  transaction?: string;
  sender?: number;
  data?: { id: number };
  plugindata?: { data: Record<string, unknown> };
  jsep?: RTCSessionDescriptionInit;
  error?: { code: number; reason: string };
}

type EventListener = (message: JanusMessage) => void;

const params = new URLSearchParams(location.search);
const janusUrl = params.get('janus') ?? '';
const apiSecret = params.get('secret') ?? '';
const room = Number(params.get('room'));
const display = params.get('name') ?? 'direct';
/** The meeting page's camera layers (client/session/Publisher.ts) at its default 1 Mbit/s. */
const SIMULCAST: RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 650_000 },
  { rid: 'm', maxBitrate: 250_000, scaleResolutionDownBy: 2 },
  { rid: 'l', maxBitrate: 100_000, scaleResolutionDownBy: 4 },
];

const pending = new Map<string, { resolve: (message: JanusMessage) => void; reject: (error: Error) => void; completesOnAck: boolean }>();
const handleListeners = new Map<number, EventListener>();
let socket: WebSocket;
let sessionId = 0;
let nextTransaction = 1;

/** Sends a request; it completes with its first reply other than an ack, or with the ack for requests only acked (trickle, keepalive). */
function send(body: Record<string, unknown>, completesOnAck = false): Promise<JanusMessage> {
  const transaction = String(nextTransaction++);
  return new Promise((resolve, reject) => {
    pending.set(transaction, { resolve, reject, completesOnAck });
    socket.send(JSON.stringify({ ...body, transaction, apisecret: apiSecret, ...(sessionId ? { session_id: sessionId } : {}) }));
  });
}

function onMessage(message: JanusMessage): void {
  const waiting = message.transaction === undefined ? undefined : pending.get(message.transaction);
  if (waiting && (message.janus !== 'ack' || waiting.completesOnAck)) {
    pending.delete(message.transaction!);
    if (message.janus === 'error') waiting.reject(new Error(message.error?.reason ?? 'Janus error'));
    else waiting.resolve(message);
    return;
  }
  if (message.sender !== undefined && message.janus === 'event') handleListeners.get(message.sender)?.(message);
}

async function attach(): Promise<number> {
  const reply = await send({ janus: 'attach', plugin: 'janus.plugin.videoroom' });
  return reply.data!.id;
}

/** A plugin request; the reply that completes it is the plugin's event (after an ack) or an immediate success. */
function message(handleId: number, body: Record<string, unknown>, jsep?: RTCSessionDescriptionInit): Promise<JanusMessage> {
  return send({ janus: 'message', handle_id: handleId, body, ...(jsep ? { jsep } : {}) });
}

function trickleFrom(pc: RTCPeerConnection, handleId: number): void {
  pc.onicecandidate = (event) => {
    void send({ janus: 'trickle', handle_id: handleId, candidate: event.candidate ? event.candidate.toJSON() : { completed: true } }, true);
  };
}

const remoteVideos = document.getElementById('remote') as HTMLElement;

async function subscribe(feed: number): Promise<void> {
  const handleId = await attach();
  const joined = await message(handleId, { request: 'join', ptype: 'subscriber', room, streams: [{ feed, substream: 0 }] });
  const pc = new RTCPeerConnection();
  const stream = new MediaStream();
  const video = document.createElement('video');
  video.autoplay = true;
  video.muted = true;
  video.srcObject = stream;
  remoteVideos.append(video);
  pc.ontrack = (event) => stream.addTrack(event.track);
  trickleFrom(pc, handleId);
  await pc.setRemoteDescription(joined.jsep!);
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  await message(handleId, { request: 'start' }, answer);
}

function subscribeToListed(data: Record<string, unknown>): void {
  const publishers = (data['publishers'] ?? []) as Array<{ id: number }>;
  for (const publisher of publishers) void subscribe(publisher.id);
}

async function publish(localStream: MediaStream): Promise<void> {
  const handleId = await attach();
  handleListeners.set(handleId, (event) => subscribeToListed(event.plugindata?.data ?? {}));
  const joined = await message(handleId, { request: 'join', ptype: 'publisher', room, display });
  const pc = new RTCPeerConnection();
  for (const track of localStream.getTracks()) {
    pc.addTransceiver(track, { direction: 'sendonly', streams: [localStream], ...(track.kind === 'video' ? { sendEncodings: SIMULCAST } : {}) });
  }
  trickleFrom(pc, handleId);
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const published = await message(handleId, { request: 'publish' }, offer);
  await pc.setRemoteDescription(published.jsep!);
  subscribeToListed(joined.plugindata?.data ?? {});
}

async function join(localStream: MediaStream): Promise<void> {
  socket = new WebSocket(janusUrl, 'janus-protocol');
  socket.onmessage = (event) => onMessage(JSON.parse(String(event.data)) as JanusMessage);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  sessionId = (await send({ janus: 'create' })).data!.id;
  setInterval(() => void send({ janus: 'keepalive' }, true), 25_000);
  await publish(localStream);
  document.body.dataset['state'] = 'joined';
}

const preview = document.getElementById('preview') as HTMLVideoElement;
const localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { ideal: 1280 }, height: { ideal: 720 } } });
preview.srcObject = localStream;
const joinButton = document.getElementById('join') as HTMLButtonElement;
joinButton.disabled = false;
joinButton.addEventListener('click', () => {
  joinButton.disabled = true;
  join(localStream).catch((error: Error) => (document.body.dataset['error'] = error.message));
});
