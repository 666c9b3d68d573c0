/**
 * A dial-in call's media socket on real UDP sockets on 127.0.0.0/8: where the
 * phone's audio goes (symmetric RTP), and the ports it takes from a range.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { randomInt } from 'node:crypto';
import { DialInMedia } from './DialInMedia.js';
import { buildRtp, parseRtp } from './rtpPacket.js';
import { bindRtpSocket, type PortRange } from './rtpSocket.js';

const PCMU = 0;
const EVENTS = 101;
/** A packet the phone would not send as audio: RTCP's sender report, read as RTP (payload type 72). */
const RTCP_LIKE = 72;
const WAIT_MS = 5_000;

async function phoneSocket(address = '127.0.0.1'): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return socket;
}

/** The next RTP packet `socket` receives. */
async function nextPacket(socket: Socket): Promise<ReturnType<typeof parseRtp>> {
  const [datagram] = (await once(socket, 'message', { signal: AbortSignal.timeout(WAIT_MS) })) as [Buffer];
  return parseRtp(datagram);
}

function send(from: Socket, to: number, payloadType: number): void {
  from.send(buildRtp({ payloadType, marker: false, sequence: 1, timestamp: 160, ssrc: 42, payload: Buffer.alloc(160, 0xff) }), to, '127.0.0.1');
}

/** An RFC 4733 key press: event `key`, its first packet. */
function sendDigit(from: Socket, to: number, key: number): void {
  from.send(buildRtp({ payloadType: EVENTS, marker: true, sequence: 1, timestamp: 800 + key, ssrc: 7, payload: Buffer.from([key, 0x0a, 0, 160]) }), to, '127.0.0.1');
}

describe('a dial-in call’s media socket', () => {
  const sockets: Socket[] = [];
  const medias: DialInMedia[] = [];
  after(() => {
    for (const socket of sockets) socket.close();
    for (const media of medias) media.close();
  });

  async function call(trunkSources: (address: string) => boolean = () => false): Promise<{ media: DialInMedia; announced: Socket }> {
    const announced = await phoneSocket();
    sockets.push(announced);
    const media = await DialInMedia.open(
      { remote: { ip: '127.0.0.1', port: announced.address().port }, codec: 'pcmu', telephoneEventPayloadType: EVENTS },
      { bindAddress: '127.0.0.1', ports: undefined, trunkSources },
    );
    medias.push(media);
    return { media, announced };
  }

  it('sends to the address the SDP names, even when the phone sends from another port there', async () => {
    const { media, announced } = await call();
    const otherPort = await phoneSocket();
    sockets.push(otherPort);
    send(otherPort, media.localPort, PCMU);
    // A keypad event after it: once its digit is read, so was the audio before it.
    const digit = once(media, 'digit', { signal: AbortSignal.timeout(WAIT_MS) });
    sendDigit(otherPort, media.localPort, 5);
    assert.deepEqual(await digit, ['5']);
    assert.deepEqual(media.phoneAddress, { ip: '127.0.0.1', port: announced.address().port });
    const first = nextPacket(announced);
    void media.play(Buffer.alloc(1_600, 0x7f));
    assert.equal((await first)?.payloadType, PCMU, 'the prompt goes to the port the SDP names');
    media.stopPrompt();
  });

  it('follows the phone’s RTP to one of the trunk’s addresses, and neither to other payload types nor to strangers', async () => {
    const { media } = await call((address) => address === '127.0.0.3');
    const stranger = await phoneSocket('127.0.0.2');
    const trunkMedia = await phoneSocket('127.0.0.3');
    const trunkRtcp = await phoneSocket('127.0.0.3');
    sockets.push(stranger, trunkMedia, trunkRtcp);
    send(trunkRtcp, media.localPort, RTCP_LIKE);
    send(stranger, media.localPort, PCMU);
    // A keypad event from the trunk's address is the phone's: the digit is read, and the audio follows it.
    const digit = once(media, 'digit', { signal: AbortSignal.timeout(WAIT_MS) });
    sendDigit(trunkMedia, media.localPort, 5);
    assert.deepEqual(await digit, ['5']);
    assert.deepEqual(media.phoneAddress, { ip: '127.0.0.3', port: trunkMedia.address().port }, 'neither the RTCP-like packet nor the stranger moved it');
    const followed = nextPacket(trunkMedia);
    void media.play(Buffer.alloc(1_600, 0x7f));
    assert.equal((await followed)?.payloadType, PCMU, 'the prompt goes where the phone’s RTP came from');
    media.stopPrompt();
  });
});

describe('the RTP port range', () => {
  const sockets: Socket[] = [];
  after(() => {
    for (const socket of sockets) socket.close();
  });

  /** Two even ports of a range below the kernel's ephemeral ones, both free now (another draw if not). */
  async function freeRange(): Promise<PortRange> {
    for (;;) {
      const low = 2 * randomInt(5_000, 9_500);
      const probes = await Promise.allSettled([bindRtpSocket('127.0.0.1', { low, high: low }), bindRtpSocket('127.0.0.1', { low: low + 2, high: low + 2 })]);
      for (const probe of probes) if (probe.status === 'fulfilled') probe.value.close();
      if (probes.every((probe) => probe.status === 'fulfilled')) return { low, high: low + 3 };
    }
  }

  it('takes the even ports of the range, and says what to do when they are all taken', async () => {
    const range = await freeRange();
    const taken = [await bindRtpSocket('127.0.0.1', range), await bindRtpSocket('127.0.0.1', range)];
    sockets.push(...taken);
    assert.deepEqual(taken.map((socket) => socket.address().port).sort(), [range.low, range.low + 2]);
    await assert.rejects(bindRtpSocket('127.0.0.1', range), /every even port of SIP_RTP_PORT_RANGE .* is taken: widen the range/);
  });
});
