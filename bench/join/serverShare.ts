/**
 * The app server's own share of a join, measured from outside with a
 * WebSocket client: from sending POST /joinCall to receiving the SDP answer
 * (`publishAnswer`) for a ready-made offer. No browser and no ICE are
 * involved, so this is our HTTP, token, signalling and Janus round trips
 * only. The room already has someone in it, as for the second page of a join.
 */
import { ConveneClient, joinCall } from '../../test/support/conveneClient.js';

export interface ServerShareSample {
  /** joinCall request to publishAnswer received. */
  totalMs: number;
  joinCallMs: number;
  /** Socket opened and `welcome` received. */
  welcomeMs: number;
  /** `publish` sent to `publishAnswer` received: mostly Janus's session, handle, join and SDP answer. */
  publishToAnswerMs: number;
}

export async function measureServerShare(baseUrl: string, room: string, offerSdp: string, name: string): Promise<ServerShareSample> {
  const started = performance.now();
  const reply = await joinCall(baseUrl, name, room);
  const joined = performance.now();
  const client = await ConveneClient.connect(baseUrl, reply);
  try {
    await client.next('welcome');
    const welcomed = performance.now();
    client.send({ type: 'publish', feed: 'camera', sdp: offerSdp });
    await client.next('publishAnswer');
    const answered = performance.now();
    return {
      totalMs: answered - started,
      joinCallMs: joined - started,
      welcomeMs: welcomed - joined,
      publishToAnswerMs: answered - welcomed,
    };
  } finally {
    await client.leave();
  }
}

/** Someone who stays in the room, so each measured join finds it existing, as a browser's second page does. */
export async function keepRoomOpen(baseUrl: string, room: string): Promise<ConveneClient> {
  const client = await ConveneClient.connect(baseUrl, await joinCall(baseUrl, 'host', room));
  await client.next('welcome');
  return client;
}
