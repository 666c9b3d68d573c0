/**
 * One participant as the signalling benchmarks use it: join, welcome,
 * publish a ready-made offer, take the answer. It never sends media, so
 * only the app server and Janus's API are exercised.
 */
import { ConveneClient, joinCall } from '../../test/support/conveneClient.js';

export async function joinAndNegotiate(baseUrl: string, room: string, name: string, offerSdp: string): Promise<ConveneClient> {
  const client = await ConveneClient.connect(baseUrl, await joinCall(baseUrl, name, room));
  try {
    await client.next('welcome');
    client.send({ type: 'publish', feed: 'camera', sdp: offerSdp });
    await client.next('publishAnswer');
    return client;
  } catch (error) {
    await client.leave().catch(() => undefined);
    throw error;
  }
}
