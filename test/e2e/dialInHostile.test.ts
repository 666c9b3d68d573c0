/**
 * Hostile input to dial-in, while a real caller (the SIP lab's baresip,
 * 1 kHz) is in a meeting with a page (440 Hz): INVITEs the server cannot
 * serve, thousands of malformed SIP datagrams, and a call at the PIN prompt
 * flooded with keypad events, junk RTP and huge SIP INFOs. Each is answered
 * with the right status or dropped; the server never crashes, and the real
 * call keeps its audio both ways.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import fc from 'fast-check';
import type { Page } from 'playwright-core';
import { waitFor } from '../support/meetingPage.js';
import { receivedPeakHz } from '../support/pageAudio.js';
import { callIn, DIAL_IN_NUMBER, heardLately, phoneTileId, startDialInMeeting, type DialInMeeting } from '../support/telephony/dialInLab.js';
import { audioOffer, inDialogText, inviteText, newCallId, RawSipPeer } from '../support/telephony/rawSip.js';
import { buildRtp } from '../../src/telephony/dialIn/rtpPacket.js';

const CALLER = 'mobile';
const PCMU = { pt: 0, name: 'PCMU' };
const EVENTS = { pt: 101, name: 'telephone-event' };
const MALFORMED_RUNS = 2_000;
const BATCH = 10;
const KEYPAD_FLOOD = 5_000;
/** The dial-in RTP ports a firewall would open. */
const RTP_PORTS = '16000-16999';
/** The trunk (kamailio on 127.0.0.1) and a neighbour of it; 127.0.0.9 is a stranger. */
const TRUNK_SOURCES = '127.0.0.0/30';

describe('hostile input to dial-in', () => {
  let meeting: DialInMeeting | undefined;
  let page: Page;
  let peer: RawSipPeer;
  let rtp: Socket;
  let serverSipPort: number;
  let phoneId: string;
  let heardWav: string;

  /** The real call still carries audio both ways. */
  async function expectRealCallAudio(): Promise<string> {
    const peak = await waitFor(() => receivedPeakHz(page, phoneId), (hz) => Math.abs(hz - 1000) < 50, 15_000, 500);
    assert.ok(Math.abs(peak - 1000) < 50, `the page still hears the caller's 1 kHz, heard ${peak} Hz`);
    const heard = await waitFor(() => heardLately(heardWav, 2), (report) => report !== undefined && report.energyShareNear(440) > 0.5, 15_000);
    assert.ok(heard && heard.energyShareNear(440) > 0.5, `the caller still hears 440 Hz: ${JSON.stringify(heard)}`);
    return `page hears ${peak} Hz, caller's last 2 s ${Math.round(heard.energyShareNear(440) * 100)} % near 440 Hz`;
  }

  before(async () => {
    meeting = await startDialInMeeting({
      room: 'dial-in-hostile',
      // The flood's wrong PINs must not use up the budget the checks after it rely on.
      server: { SIP_DIAL_IN_FAILURES_PER_HOUR: '1000000', SIP_RTP_PORT_RANGE: RTP_PORTS, SIP_TRUNK_SOURCES: TRUNK_SOURCES },
      callers: { [CALLER]: {} },
    });
    const { caller } = meeting;
    ({ page, sipPort: serverSipPort } = meeting);
    const call = await callIn(caller, CALLER);
    heardWav = call.recording!.heardWav;
    await caller.sendDigits(`${meeting.invite.pin}#`);
    phoneId = await phoneTileId(page);
    console.log(`before the hostile input: ${await expectRealCallAudio()}`);
    peer = await RawSipPeer.open({ host: '127.0.0.1', port: serverSipPort });
    rtp = createSocket('udp4');
    await new Promise<void>((resolve) => rtp.bind(0, '127.0.0.1', resolve));
  });

  after(async () => {
    peer?.close();
    rtp?.close();
    await meeting?.close();
  });

  const invite = (callId: string, sdp?: string, number = DIAL_IN_NUMBER): string =>
    inviteText({ number, callId, peerPort: peer.port, serverPort: serverSipPort, ...(sdp === undefined ? {} : { sdp }) });
  const finalStatus = async (callId: string): Promise<number | undefined> => (await peer.waitFor(callId, (reply) => (reply.status ?? 0) >= 200, 5_000))?.status;
  /** Sends a request again every half second, as a UA over UDP does, until it has a final answer (or 10 s passed). */
  async function answeredStatus(callId: string, request: () => string): Promise<number | undefined> {
    for (let attempt = 0; attempt < 20; attempt++) {
      peer.send(request());
      const reply = await peer.waitFor(callId, (candidate) => (candidate.status ?? 0) >= 200, 500);
      if (reply) return reply.status;
    }
    return undefined;
  }

  it('refuses INVITEs it cannot serve: 488 without a usable offer, 404 for a number that is not ours', async () => {
    const offers: Array<[string, string | undefined]> = [
      ['no SDP', undefined],
      ['an SDP that does not parse', 'this is not SDP'],
      ['video only', audioOffer(rtp.address().port, [{ pt: 96, name: 'VP8' }], 'video')],
      ['no G.711 (G.729 only)', audioOffer(rtp.address().port, [{ pt: 18, name: 'G729' }])],
      ['port 0', audioOffer(0, [PCMU])],
    ];
    const seen: string[] = [];
    for (const [what, sdp] of offers) {
      const callId = newCallId();
      peer.send(invite(callId, sdp));
      assert.equal(await finalStatus(callId), 488, `${what}: 488 Not Acceptable Here`);
      seen.push(`${what}: 488`);
    }
    const elsewhere = newCallId();
    peer.send(invite(elsewhere, audioOffer(rtp.address().port, [PCMU]), '+15550007777'));
    assert.equal(await finalStatus(elsewhere), 404, 'a number that is not a dial-in number: 404');
    console.log(`${seen.join('; ')}; other number: 404`);
  });

  it('takes INVITEs from the trunk’s sources only: 403 from a stranger, an answer from a listed neighbour', async () => {
    for (const [host, expected] of [['127.0.0.9', 403], ['127.0.0.2', 488]] as const) {
      const from = await RawSipPeer.open({ host: '127.0.0.1', port: serverSipPort }, host);
      try {
        const callId = newCallId();
        from.send(inviteText({ number: DIAL_IN_NUMBER, callId, peerPort: from.port, peerHost: from.host, serverPort: serverSipPort }));
        const reply = await from.waitFor(callId, (candidate) => (candidate.status ?? 0) >= 200, 5_000);
        assert.equal(reply?.status, expected, `an INVITE without an offer from ${host}`);
      } finally {
        from.close();
      }
    }
  });

  it('answers or drops thousands of malformed SIP datagrams, and keeps serving', async () => {
    const valid = invite('malformed-base', audioOffer(rtp.address().port, [PCMU]));
    const datagrams = fc.sample(
      fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 1500 }).map((bytes) => Buffer.from(bytes)),
        fc.tuple(fc.nat(valid.length), fc.string({ maxLength: 40 })).map(([cut, junk]) => `${valid.slice(0, cut)}${junk}`),
        fc.tuple(fc.nat(valid.length), fc.nat(valid.length)).map(([a, b]) => valid.slice(0, Math.min(a, b)) + valid.slice(Math.max(a, b))),
        fc.constantFrom('Via', 'From', 'To', 'Call-ID', 'CSeq', 'Content-Length').map((header) => valid.replace(new RegExp(`^${header}:[^\\r]*\\r\\n`, 'm'), '')),
        fc.string({ minLength: 1000, maxLength: 60_000 }).map((long) => valid.replace('Max-Forwards: 70', `X-Junk: ${long}`)),
      ),
      { numRuns: MALFORMED_RUNS, seed: 16 },
    );
    // In batches small enough for the socket's buffer, each followed by a request it must answer:
    // once it has, it has read every datagram before it.
    for (let start = 0; start < datagrams.length; start += BATCH) {
      for (const datagram of datagrams.slice(start, start + BATCH)) peer.send(datagram);
      const probe = newCallId();
      assert.equal(await answeredStatus(probe, () => invite(probe)), 488, `still answering after datagram ${start + BATCH}`);
    }
    console.log(`${MALFORMED_RUNS} malformed datagrams, in batches of ${BATCH}, each batch followed by an INVITE it answered; ${await expectRealCallAudio()}`);
  });

  it('survives a call at the PIN prompt flooded with keypad events, junk RTP and huge INFOs, and still ends it politely', async () => {
    const callId = newCallId();
    const fromTag = 'hostile1';
    peer.send(inviteText({ number: DIAL_IN_NUMBER, callId, peerPort: peer.port, serverPort: serverSipPort, sdp: audioOffer(rtp.address().port, [PCMU, EVENTS]), fromTag }));
    const answer = await peer.waitFor(callId, (reply) => reply.status === 200, 5_000);
    assert.ok(answer, 'the hostile call is answered');
    const mediaPort = Number(/m=audio (\d+)/.exec(answer.body)?.[1]);
    assert.ok(mediaPort >= 16_000 && mediaPort <= 16_999 && mediaPort % 2 === 0, `the call's RTP port is an even one of ${RTP_PORTS}: ${mediaPort}`);
    const to = answer.headers.get('to') ?? '';
    const dialog = { callId, fromTag, to, peerPort: peer.port, serverPort: serverSipPort };
    peer.send(inDialogText({ ...dialog, method: 'ACK', cseq: 1 }));
    for (let index = 0; index < KEYPAD_FLOOD; index++) {
      const event = Buffer.from([index % 16, 0x80, 0, 160]);
      rtp.send(buildRtp({ payloadType: EVENTS.pt, marker: false, sequence: index, timestamp: index * 160, ssrc: 99, payload: event }), mediaPort, '127.0.0.1');
      if (index % 10 === 0) rtp.send(Buffer.from(fc.sample(fc.uint8Array({ maxLength: 300 }), { numRuns: 1, seed: index })[0]!), mediaPort, '127.0.0.1');
    }
    let cseq = 2;
    const hugeInfo = inDialogText({ ...dialog, method: 'INFO', cseq: cseq++, contentType: 'application/dtmf-relay', body: `Signal=1\r\n${'x'.repeat(60_000)}` });
    peer.send(hugeInfo);
    const junkInfo = inDialogText({ ...dialog, method: 'INFO', cseq: cseq++, contentType: 'text/plain', body: 'hello' });
    peer.send(junkInfo);
    const infoStatuses = await Promise.all([
      peer.waitFor(callId, (reply) => reply.headers.get('cseq') === `${cseq - 2} INFO`, 5_000),
      peer.waitFor(callId, (reply) => reply.headers.get('cseq') === `${cseq - 1} INFO`, 5_000),
    ]);
    assert.deepEqual(infoStatuses.map((reply) => reply?.status), [415, 415], 'INFOs that carry no key are refused');
    // The flood typed many wrong PINs: the server says goodbye and ends the call itself.
    const bye = await peer.waitFor(callId, (reply) => reply.start.startsWith('BYE '), 60_000);
    assert.ok(bye, 'the server ended the flooded call with a BYE');
    console.log(`${KEYPAD_FLOOD} keypad events, ${KEYPAD_FLOOD / 10} junk datagrams, a 60 kB and a junk INFO (415, 415); the server ended the call; ${await expectRealCallAudio()}`);
  });
});
