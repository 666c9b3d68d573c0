/**
 * TURN with time-limited credentials: coturn with a shared secret, the
 * welcome carrying each page its own credential, pages forced to relay
 * only (ICE_TRANSPORT_POLICY=relay) still exchanging media through it, and
 * coturn refusing a wrong or expired credential.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { expectMediaFlowing, joinMeeting } from '../support/meetingPage.js';
import { startCoturn, type TestTurnServer } from '../support/coturn.js';
import { turnCredential } from '../../src/auth/turnCredentials.js';
import type { IceServer } from '../../src/protocol/messages.js';

const TTL_S = 600;

type Handle = { convene: { selfId: string; session?: { peerConnections(): Map<string, RTCPeerConnection> } } };

/** For each peer connection of the page, the candidate types of its selected pair. */
function selectedPairs(page: Page): Promise<Record<string, { local: string; remote: string } | undefined>> {
  return page.evaluate(async () => {
    const pairs: Record<string, { local: string; remote: string } | undefined> = {};
    for (const [pcId, pc] of (window as unknown as Handle).convene.session?.peerConnections() ?? []) {
      const stats = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((entry: Record<string, unknown>) => stats.set(entry['id'] as string, entry));
      const transport = [...stats.values()].find((entry) => entry['type'] === 'transport');
      const pair = stats.get(transport?.['selectedCandidatePairId'] as string);
      // (No helper function here: the page runs this code as text, without the bundler's helpers.)
      const local = stats.get(pair?.['localCandidateId'] as string)?.['candidateType'] as string;
      const remote = stats.get(pair?.['remoteCandidateId'] as string)?.['candidateType'] as string;
      pairs[pcId] = pair ? { local, remote } : undefined;
    }
    return pairs;
  });
}

/** Gathers relay candidates with one ICE server, as a page would; reports candidate types and ICE errors. */
function gatherRelay(page: Page, server: IceServer): Promise<{ types: string[]; errorCodes: number[] }> {
  return page.evaluate(async (iceServer) => {
    const pc = new RTCPeerConnection({ iceServers: [iceServer], iceTransportPolicy: 'relay' });
    const types: string[] = [];
    const errorCodes: number[] = [];
    pc.onicecandidate = (event) => {
      if (event.candidate?.type) types.push(event.candidate.type);
    };
    pc.onicecandidateerror = (event) => errorCodes.push((event as RTCPeerConnectionIceErrorEvent).errorCode);
    pc.createDataChannel('probe');
    await pc.setLocalDescription();
    for (const end = Date.now() + 10_000; pc.iceGatheringState !== 'complete' && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 50));
    pc.close();
    return { types, errorCodes };
  }, server);
}

describe('TURN relay with time-limited credentials', () => {
  let turn: TestTurnServer;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let pages: Page[];
  const welcomes = new Map<Page, { iceServers: IceServer[]; iceTransportPolicy: string }>();

  before(async () => {
    turn = await startCoturn();
    server = await startTestServer({ TURN_URLS: turn.url, TURN_SECRET: turn.secret, TURN_CREDENTIAL_TTL_S: String(TTL_S), ICE_TRANSPORT_POLICY: 'relay' });
    browser = await launchBrowser();
    pages = await Promise.all([newPage(browser), newPage(browser)]);
    for (const page of pages) {
      page.on('websocket', (socket) =>
        socket.on('framereceived', (frame) => {
          const message = JSON.parse(String(frame.payload)) as { type: string; iceServers: IceServer[]; iceTransportPolicy: string };
          if (message.type === 'welcome') welcomes.set(page, message);
        }),
      );
    }
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await turn?.stop();
  });

  it('gives each page its own credential that expires after TURN_CREDENTIAL_TTL_S', async () => {
    await joinMeeting(pages[0]!, server.url, 'Alice', 'relayed');
    await joinMeeting(pages[1]!, server.url, 'Bob', 'relayed');
    const usernames = new Set<string>();
    for (const page of pages) {
      const welcome = welcomes.get(page);
      assert.equal(welcome?.iceTransportPolicy, 'relay');
      const [ice] = welcome?.iceServers ?? [];
      assert.ok(ice?.username && ice.credential, `the welcome carries a TURN credential: ${JSON.stringify(welcome?.iceServers)}`);
      assert.deepEqual(ice.urls, [turn.url]);
      const selfId = await page.evaluate(() => (window as unknown as Handle).convene.selfId);
      const [expiry, participantId] = ice.username.split(':');
      assert.equal(participantId, selfId);
      const secondsLeft = Number(expiry) - Date.now() / 1000;
      assert.ok(secondsLeft > TTL_S - 60 && secondsLeft <= TTL_S, `expires in about ${TTL_S} s: ${secondsLeft}`);
      assert.equal(ice.credential, turnCredential(turn.secret, selfId, Number(expiry)).credential);
      usernames.add(ice.username);
    }
    assert.equal(usernames.size, 2, 'no two pages share a credential');
  });

  it('carries media through the relay only: every selected candidate pair is a relay one, and frames decode', async () => {
    for (const page of pages) await expectMediaFlowing(page);
    for (const page of pages) {
      const pairs = await selectedPairs(page);
      assert.deepEqual(Object.keys(pairs).sort(), ['pub-camera', 'sub-1'], JSON.stringify(pairs));
      for (const [pcId, pair] of Object.entries(pairs)) assert.equal(pair?.local, 'relay', `${pcId} sends through TURN: ${JSON.stringify(pair)}`);
    }
  });

  it('refuses a wrong credential and an expired one, and relays with a valid one', async () => {
    const page = pages[0]!;
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    const valid = await gatherRelay(page, { urls: turn.url, ...turnCredential(turn.secret, 'probe', inAnHour) });
    assert.ok(valid.types.includes('relay'), `a valid credential gets a relay candidate: ${JSON.stringify(valid)}`);

    const wrong = await gatherRelay(page, { urls: turn.url, username: `${inAnHour}:probe`, credential: 'not-the-right-one' });
    assert.deepEqual(wrong.types, [], 'no relay candidate with a wrong credential');
    assert.ok(wrong.errorCodes.includes(401), `coturn answers 401: ${JSON.stringify(wrong)}`);

    const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
    const expired = await gatherRelay(page, { urls: turn.url, ...turnCredential(turn.secret, 'probe', anHourAgo) });
    assert.deepEqual(expired.types, [], 'no relay candidate with an expired credential');
    assert.ok(expired.errorCodes.includes(401), `coturn answers 401: ${JSON.stringify(expired)}`);
  });
});
