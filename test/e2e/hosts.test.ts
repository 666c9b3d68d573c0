/**
 * Hosts and raised hands on two app servers sharing Redis: the first page
 * hosts the room, every host verb works for a host and is refused to anyone
 * else, a host's mute is enforced by Janus, a removed participant cannot
 * come back on either server, hands show in order everywhere, and the host
 * role passes on when its host leaves.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { waitFor } from '../support/meetingPage.js';
import { receivedPeakHz } from '../support/pageAudio.js';
import { upgradeStatus } from '../support/upgradeStatus.js';
import type { TestAppServer } from '../support/cluster/appServer.js';
import { joinAs, openPanel, panelOf, sendFrom, serverError, startHostsCluster, tileData, type HostsCluster } from '../support/hostsCluster.js';
import type { HostMessage } from '../../src/client/session/MeetingSession.js';

async function joinCallStatus(server: TestAppServer, room: string): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${server.url}/joinCall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Knocker', room }) });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, ...(body.error ? { code: body.error.code } : {}) };
}

/** The close code a socket opened without a token gets for `authenticate` with this token. */
function authenticateClose(server: TestAppServer, token: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    socket.on('message', () => socket.send(JSON.stringify({ type: 'authenticate', token })));
    socket.on('close', (code) => resolve(code));
    socket.on('error', () => undefined);
  });
}

describe('hosts and raised hands on two app servers', () => {
  let cluster: HostsCluster;
  let app1: TestAppServer;
  let app2: TestAppServer;
  const page = () => cluster.page();

  before(async () => {
    cluster = await startHostsCluster('42000-42499');
    ({ app1, app2 } = cluster);
  });

  after(async () => {
    await cluster?.stop();
  });

  afterEach(async () => {
    await cluster?.closePages();
    cluster?.assertNoUnhandledRejection();
  });

  it('makes the first page the host, shows it on every page and both servers, and hands the role to the longest present when the host leaves', async () => {
    const alice = await joinAs(await page(), app1, 'Alice', 'hosted');
    const bob = await joinAs(await page(), app2, 'Bob', 'hosted');
    const carol = await joinAs(await page(), app1, 'Carol', 'hosted');
    for (const person of [alice, bob, carol]) {
      await openPanel(person.page);
      const shown = await waitFor(() => panelOf(person.page), (panel) => panel.hosts.join() === alice.id, 10_000);
      assert.deepEqual(shown.hosts, [alice.id], `${person.name} sees Alice as the only host`);
      console.log(`${person.name}'s page shows the host badge on Alice: ${await tileData(person.page, alice.id, 'host') ?? 'own tile'}`);
    }
    await alice.page.click('#leave-button');
    for (const person of [bob, carol]) {
      const shown = await waitFor(() => panelOf(person.page), (panel) => panel.hosts.join() === bob.id, 10_000);
      assert.deepEqual(shown.hosts, [bob.id], `${person.name} sees Bob, the longest present, host after Alice left`);
    }
    console.log('Alice left: Bob (on app server 2) hosts, on both pages');
  });

  it('joins someone as a host with the operator secret only', async () => {
    const alice = await joinAs(await page(), app1, 'Alice', 'operated');
    const refused = await fetch(`${app2.url}/joinCall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Op', room: 'operated', host: true }) });
    assert.equal(refused.status, 401);
    const admitted = await fetch(`${app2.url}/joinCall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cluster.adminSecret}` },
      body: JSON.stringify({ name: 'Op', room: 'operated', host: true }),
    });
    const { participantId, token } = (await admitted.json()) as { participantId: string; token: string };
    const socket = new WebSocket(`${app2.url.replace('http', 'ws')}/ws?token=${token}`);
    try {
      await openPanel(alice.page);
      const shown = await waitFor(() => panelOf(alice.page), (panel) => panel.hosts.includes(participantId), 10_000);
      assert.deepEqual(new Set(shown.hosts), new Set([alice.id, participantId]), 'Alice stays host beside the operator');
      console.log('without the secret: 401; with it the operator hosts the room beside Alice');
    } finally {
      socket.close();
    }
  });

  it('lets a host use every verb and refuses each to a non-host with not_host, changing nothing', async () => {
    const room = 'verbs';
    const alice = await joinAs(await page(), app1, 'Alice', room);
    const bob = await joinAs(await page(), app2, 'Bob', room);
    const carol = await joinAs(await page(), app2, 'Carol', room);
    await openPanel(alice.page);
    await waitFor(() => panelOf(alice.page), (panel) => panel.present.length === 3, 10_000);

    interface VerbCase {
      name: string;
      asMessage: HostMessage;
      /** Done through the host's page, as a host would. */
      byHost: () => Promise<void>;
      /** Whether the effect shows (read on another page or over HTTP). */
      done: () => Promise<boolean>;
      /** Puts things back for the next case, if the verb changed the room. */
      undo?: () => Promise<void>;
    }
    const click = (selector: string) => () => alice.page.click(selector);
    const verb = (name: string, id: string) => `#people-list [data-verb="${name}"][data-participant-id="${id}"]`;
    const cases: VerbCase[] = [
      { name: 'mute', asMessage: { type: 'host', verb: 'mute', participantId: carol.id }, byHost: click(verb('mute', carol.id)), done: async () => (await tileData(bob.page, carol.id, 'audioMuted')) === 'true' },
      { name: 'stopVideo', asMessage: { type: 'host', verb: 'stopVideo', participantId: carol.id }, byHost: click(verb('stopVideo', carol.id)), done: async () => (await tileData(bob.page, carol.id, 'videoMuted')) === 'true' },
      {
        name: 'lowerHand',
        asMessage: { type: 'host', verb: 'lowerHand', participantId: carol.id },
        byHost: click(`#hands-list [data-verb="lowerHand"][data-participant-id="${carol.id}"]`),
        done: async () => !(await panelOf(bob.page)).hands.includes(carol.id),
      },
      { name: 'makeHost', asMessage: { type: 'host', verb: 'makeHost', participantId: carol.id }, byHost: click(verb('makeHost', carol.id)), done: async () => (await panelOf(bob.page)).hosts.includes(carol.id) },
      {
        name: 'locked',
        asMessage: { type: 'hostRoom', change: { setting: 'locked', on: true } },
        byHost: click('#lock-room-button'),
        done: async () => (await joinCallStatus(app2, room)).code === 'room_locked' && (await joinCallStatus(app1, room)).code === 'room_locked',
        undo: click('#lock-room-button'),
      },
      {
        name: 'lobby',
        asMessage: { type: 'hostRoom', change: { setting: 'lobby', on: true } },
        byHost: click('#lobby-button'),
        done: async () => (await bob.page.locator('#lobby-button').getAttribute('aria-pressed')) === 'true',
        undo: click('#lobby-button'),
      },
      {
        name: 'password',
        asMessage: { type: 'hostRoom', change: { setting: 'password', password: 'let me in' } },
        byHost: async () => {
          await alice.page.fill('#room-password', 'swordfish');
          await alice.page.click('#room-password-form button[type="submit"]');
        },
        done: async () => (await joinCallStatus(app2, room)).code === 'wrong_password',
        undo: click('#clear-password-button'),
      },
      {
        name: 'micsLocked',
        asMessage: { type: 'hostRoom', change: { setting: 'micsLocked', on: true } },
        byHost: click('#lock-mics-button'),
        done: async () => (await bob.page.locator('#lock-mics-button').getAttribute('aria-pressed')) === 'true',
        undo: click('#lock-mics-button'),
      },
      { name: 'remove', asMessage: { type: 'host', verb: 'remove', participantId: carol.id }, byHost: click(verb('remove', carol.id)), done: async () => !(await panelOf(bob.page)).present.includes(carol.id) },
      {
        name: 'end',
        asMessage: { type: 'hostRoom', change: { setting: 'end' } },
        byHost: click('#end-for-all-button'),
        done: async () => (await bob.page.locator('#connection-state').getAttribute('data-state')) === 'ended',
      },
    ];
    await sendFrom(carol.page, { type: 'hand', raised: true });
    await waitFor(() => panelOf(bob.page), (panel) => panel.hands.includes(carol.id), 10_000);
    for (const c of cases) {
      // Bob is not a host (Alice is; later Carol too): his request is refused and nothing changes.
      const refused = serverError(bob.page, 'not_host');
      await sendFrom(bob.page, c.asMessage);
      await refused;
      assert.equal(await c.done(), false, `${c.name} by a non-host changed nothing`);
      await c.byHost();
      assert.equal(await waitFor(c.done, (done) => done, 10_000), true, `${c.name} by a host took effect`);
      console.log(`${c.name}: refused to Bob with not_host and nothing changed; done by Alice it took effect`);
      await c.undo?.();
      if (c.undo) assert.equal(await waitFor(c.done, (done) => !done, 10_000), false, `${c.name} undone`);
    }
  });

  it('silences a host-muted participant at the other pages even when its page sends, and lets it unmute unless microphones are locked', async () => {
    const room = 'muted';
    const alice = await joinAs(await page(), app1, 'Alice', room);
    const bob = await joinAs(await page(), app2, 'Bob', room);
    const heardOnAlice = (check: (hz: number) => boolean) => waitFor(() => receivedPeakHz(alice.page, bob.id), check, 15_000, 100);
    assert.ok((await heardOnAlice((hz) => hz > 0)) > 0, 'Bob is heard before the mute');

    await openPanel(alice.page);
    await alice.page.click(`#people-list [data-verb="mute"][data-participant-id="${bob.id}"]`);
    await waitFor(() => bob.page.locator('#mic-button').getAttribute('aria-pressed'), (pressed) => pressed === 'true', 10_000);
    assert.match((await bob.page.locator('#notice').textContent()) ?? '', /Alice muted your microphone/);
    // Bob's page sends again, as a page that ignores the host would.
    await bob.page.evaluate(() => {
      const session = (window as unknown as { convene: { session: { peerConnections(): Map<string, RTCPeerConnection> } } }).convene.session;
      for (const sender of session.peerConnections().get('pub-camera')?.getSenders() ?? []) if (sender.track?.kind === 'audio') sender.track.enabled = true;
    });
    const silent = await heardOnAlice((hz) => hz === 0);
    assert.equal(silent, 0, 'Alice hears silence from Bob');
    const again = await Promise.all([receivedPeakHz(alice.page, bob.id), receivedPeakHz(alice.page, bob.id)]);
    assert.deepEqual(again, [0, 0], 'and keeps hearing silence while Bob sends');
    console.log('host mute: Bob sends, Alice hears silence (peak 0 over three one-second windows)');

    // Bob may unmute himself: the server lets Janus forward his audio again.
    await bob.page.click('#mic-button');
    assert.ok((await heardOnAlice((hz) => hz > 0)) > 0, 'Bob is heard once he unmutes');

    // With microphones locked, a host's mute holds: Bob's unmute is refused.
    await alice.page.click('#lock-mics-button');
    await waitFor(() => bob.page.locator('#lock-mics-button').getAttribute('aria-pressed'), (pressed) => pressed === 'true', 10_000);
    await alice.page.click(`#people-list [data-verb="mute"][data-participant-id="${bob.id}"]`);
    await waitFor(() => bob.page.locator('#mic-button').getAttribute('aria-pressed'), (pressed) => pressed === 'true', 10_000);
    // What Bob said before the mute reached Janus can still be in Alice's last second of audio: silence first.
    assert.equal(await heardOnAlice((hz) => hz === 0), 0, 'Alice hears silence from Bob once he is muted again');
    const locked = serverError(bob.page, 'microphones_locked');
    await bob.page.click('#mic-button');
    await locked;
    await waitFor(() => bob.page.locator('#mic-button').getAttribute('aria-pressed'), (pressed) => pressed === 'true', 10_000);
    assert.equal(await heardOnAlice((hz) => hz > 0), 0, 'Bob stays silent at Alice');
    console.log('microphones locked: Bob\'s unmute refused with microphones_locked, he stays silent');
  });

  it('closes a removed participant\'s page with the reason and refuses its token on both app servers', async () => {
    const room = 'removal';
    const alice = await joinAs(await page(), app1, 'Alice', room);
    const bob = await joinAs(await page(), app2, 'Bob', room);
    await openPanel(alice.page);
    await alice.page.click(`#people-list [data-verb="remove"][data-participant-id="${bob.id}"]`);
    await bob.page.waitForSelector('#connection-state[data-state="ended"]', { timeout: 10_000 });
    const said = (await bob.page.locator('#call-over p').textContent()) ?? '';
    assert.match(said, /Alice removed you from the meeting/);
    for (const server of [app1, app2]) {
      assert.equal(await upgradeStatus(`${server.url.replace('http', 'ws')}/ws?token=${bob.token}`), 401, `${server.url} refuses the token at the upgrade`);
      assert.equal(await authenticateClose(server, bob.token), 4001, `${server.url} refuses the token on authenticate`);
    }
    const gone = await waitFor(() => panelOf(alice.page), (panel) => !panel.present.includes(bob.id), 10_000);
    assert.ok(!gone.present.includes(bob.id), 'Bob is gone from Alice\'s page');
    console.log(`Bob's page says: "${said.trim()}"; his token: 401 at the upgrade and 4001 on authenticate on both servers`);
  });

  it('shows raised hands on every page in the order raised, and a host lowers another\'s hand', async () => {
    const room = 'hands';
    const alice = await joinAs(await page(), app1, 'Alice', room);
    const bob = await joinAs(await page(), app2, 'Bob', room);
    const carol = await joinAs(await page(), app1, 'Carol', room);
    const everyone = [alice, bob, carol];
    for (const person of everyone) await openPanel(person.page);
    await waitFor(() => panelOf(alice.page), (panel) => panel.present.length === 3, 10_000);
    await carol.page.click('#hand-button');
    await waitFor(() => panelOf(bob.page), (panel) => panel.hands.includes(carol.id), 10_000);
    await bob.page.click('#hand-button');
    for (const person of everyone) {
      const shown = await waitFor(() => panelOf(person.page), (panel) => panel.hands.length === 2, 10_000);
      assert.deepEqual(shown.hands, [carol.id, bob.id], `${person.name} sees Carol's hand, then Bob's`);
      if (person !== carol) assert.equal(await tileData(person.page, carol.id, 'hand'), '1', `${person.name} sees hand 1 on Carol's tile`);
    }
    console.log('hands on all three pages: Carol, then Bob (tiles: Carol 1)');
    await alice.page.click(`#hands-list [data-verb="lowerHand"][data-participant-id="${carol.id}"]`);
    for (const person of everyone) {
      const shown = await waitFor(() => panelOf(person.page), (panel) => panel.hands.length === 1, 10_000);
      assert.deepEqual(shown.hands, [bob.id], `${person.name} sees only Bob's hand`);
    }
    assert.equal(await carol.page.locator('#hand-button').getAttribute('aria-pressed'), 'false', 'Carol\'s own hand button shows it lowered');
    console.log('Alice lowered Carol\'s hand: only Bob\'s shows, on every page');
  });
});
