/**
 * Hanging up through a trunk that challenges BYE, as strict providers do:
 * the SIP lab's kamailio answers the BYE our server sends with the same 407
 * (or 401) it gives INVITEs, and relays it only with credentials. Without
 * an answer to that challenge the phone leg would stay up (and billed)
 * while the page shows the call as ended.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';
import { startTestServer } from '../support/testServer.js';
import { dialFromPage, expectDialState } from '../support/telephony/dialOutDialog.js';
import {
  startSipLab,
  telephonyOverrides,
  type AgentCall,
  type ChallengeKind,
  type SipLab,
  type TrunkBye,
} from '../support/telephony/sipLab.js';

/** How soon after "Hang up" the phone must be off the line. */
const HANG_UP_WITHIN_MS = 5000;

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

interface ChallengingTrunkAndServer {
  lab(): SipLab;
  server(): TestServer;
}

/** A lab whose trunk challenges our BYEs, and a server dialling through it, for the enclosing describe. */
function byeChallengingTrunk(challenge: ChallengeKind): ChallengingTrunkAndServer {
  let lab: SipLab | undefined;
  let server: TestServer | undefined;
  before(async () => {
    lab = await startSipLab({ challenge, challengeBye: true });
    server = await startTestServer(telephonyOverrides(lab));
  });
  after(async () => {
    await server?.close();
    await lab?.stop();
  });
  return { lab: () => lab!, server: () => server! };
}

/**
 * Dials the lab's answering number from the page's dialog and waits until
 * both the phone and the page say answered. The phone's call is the one it
 * did not have before, so a call another test left up is never mistaken for it.
 */
async function dialAnsweringPhone(page: Page, lab: SipLab): Promise<AgentCall> {
  const known = new Set(lab.phone.calls().map((call) => call.callId));
  await dialFromPage(page, lab.numbers.answers, 'Bob');
  const call = await waitFor(
    async () => lab.phone.calls().find((candidate) => candidate.answered && !known.has(candidate.callId)),
    (candidate) => candidate !== undefined,
    15_000,
  );
  assert.ok(call, 'the phone should answer');
  await expectDialState(page, 'answered', /answered/i);
  return call;
}

const decisions = (byes: readonly TrunkBye[]) => byes.map((bye) => [bye.outcome, bye.code, bye.side, bye.authUser]);

/** The trunk's BYE decisions for one call, once it has relayed one (or after 5 s, for the failure message). */
function byesOnceRelayed(lab: SipLab, callId: string): Promise<readonly TrunkBye[]> {
  return waitFor(
    async () => lab.trunk.byes().filter((bye) => bye.callId === callId),
    (byes) => byes.some((bye) => bye.outcome === 'relayed'),
    5000,
  );
}

/** Presses "Hang up" and checks that the page shows the call ended and the phone's leg closes soon after. */
async function hangUpFromPage(page: Page, lab: SipLab, call: AgentCall): Promise<void> {
  const pressedAt = Date.now();
  await page.click('#dial-hangup');
  await expectDialState(page, 'ended', /ended/i);
  const closed = await lab.phone.waitForClosed(call.callId, HANG_UP_WITHIN_MS).catch((error: Error) => {
    assert.fail(`the phone is still on the line ${HANG_UP_WITHIN_MS} ms after "Hang up" (${error.message}); trunk BYEs: ${JSON.stringify(lab.trunk.byes())}`);
  });
  assert.ok(Date.now() - pressedAt < HANG_UP_WITHIN_MS, `the phone hung up after ${Date.now() - pressedAt} ms`);
  assert.match(closed.closeReason ?? '', /reset by peer/i, 'the phone was hung up by the far end');
}

describe('hanging up through a trunk that challenges BYE', () => {
  let browser: Browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  async function pageInRoom(server: TestServer, name: string, room: string): Promise<Page> {
    const page = await newPage(browser);
    await joinMeeting(page, server.url, name, room);
    return page;
  }

  /** Our hang-up through a trunk that challenges it with `code`: the trunk sees the challenge answered, and the phone goes off the line. */
  function itAnswersTheChallengeToItsBye(trunk: ChallengingTrunkAndServer, code: 401 | 407): void {
    it(`answers the ${code} to its BYE with credentials, and the phone is off the line within seconds`, async () => {
      const lab = trunk.lab();
      const page = await pageInRoom(trunk.server(), 'Alice', `bye-${code}`);
      const call = await dialAnsweringPhone(page, lab);
      await hangUpFromPage(page, lab, call);
      assert.deepEqual(decisions(await byesOnceRelayed(lab, call.callId)), [
        ['challenged', code, 'caller', undefined],
        ['relayed', undefined, 'caller', lab.trunk.username],
      ]);
      await page.context().close();
    });
  }

  describe('with 407 Proxy-Authenticate', () => {
    const trunk = byeChallengingTrunk('proxy');

    itAnswersTheChallengeToItsBye(trunk, 407);

    it("relays the phone's own BYE without a challenge, and the page shows the call ended", async () => {
      const lab = trunk.lab();
      const page = await pageInRoom(trunk.server(), 'Carol', 'bye-phone');
      const call = await dialAnsweringPhone(page, lab);
      await lab.phone.hangup();
      await lab.phone.waitForClosed(call.callId);
      await expectDialState(page, 'ended', /ended/i);
      assert.deepEqual(decisions(await byesOnceRelayed(lab, call.callId)), [['relayed', undefined, 'phone', undefined]]);
      await page.context().close();
    });
  });

  describe('with 401 WWW-Authenticate', () => {
    itAnswersTheChallengeToItsBye(byeChallengingTrunk('www'), 401);
  });
});
