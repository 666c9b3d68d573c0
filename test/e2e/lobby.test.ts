/**
 * The lobby and room passwords on two app servers sharing Redis: a page
 * that joins while a host has the lobby on waits, and enters when a host on
 * either server admits it; a denied page says so; when the host leaves, the
 * next host sees who knocks and lets them in. A room's password is asked for
 * by the join form, and a host sets and clears it from the page.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { expectMediaFlowing, waitFor } from '../support/meetingPage.js';
import { joinAs, openPanel, panelOf, sendFrom, serverError, startHostsCluster, submitJoin, type HostsCluster, type Person } from '../support/hostsCluster.js';
import type { TestAppServer } from '../support/cluster/appServer.js';

describe('the lobby and room passwords on two app servers', () => {
  let cluster: HostsCluster;

  before(async () => {
    cluster = await startHostsCluster('42500-42999');
  });

  after(async () => {
    await cluster?.stop();
  });

  afterEach(async () => {
    await cluster?.closePages();
    cluster?.assertNoUnhandledRejection();
  });

  /** Alice (app server 1) opens the room, so hosts it. */
  async function host(room: string): Promise<Person> {
    return joinAs(await cluster.page(), cluster.app1, 'Alice', room);
  }

  async function turnOnLobby(alice: Person): Promise<void> {
    await openPanel(alice.page);
    await alice.page.click('#lobby-button');
    await waitFor(() => alice.page.locator('#lobby-button').getAttribute('aria-pressed'), (pressed) => pressed === 'true', 10_000);
  }

  /** Joins through the form while the lobby is on: the page says it waits. */
  async function knock(server: TestAppServer, name: string, room: string): Promise<{ page: Page; id: string }> {
    const page = await cluster.page();
    const { body } = await submitJoin(page, server, name, room);
    await page.waitForSelector('#lobby-wait:not([hidden])', { timeout: 10_000 });
    assert.match((await page.locator('#lobby-wait').textContent()) ?? '', /Waiting in the lobby/);
    return { page, id: String(body['participantId']) };
  }

  it('holds a joiner in the lobby until a host on the other server admits it, refusing admit and deny to a non-host, and then media flows', async () => {
    const room = 'lobby-admit';
    const alice = await host(room);
    const carol = await joinAs(await cluster.page(), cluster.app2, 'Carol', room);
    await turnOnLobby(alice);
    const bob = await knock(cluster.app2, 'Bob', room);
    const knocks = await waitFor(() => panelOf(alice.page), (panel) => panel.knocking.includes(bob.id), 10_000);
    assert.deepEqual(knocks.knocking, [bob.id], 'Alice sees Bob knocking');
    assert.ok(!knocks.present.includes(bob.id), 'Bob is not shown in the room while he knocks');
    assert.equal(await alice.page.locator(`#grid figure[data-participant-id="${bob.id}"]`).count(), 0, 'and has no tile');
    assert.match((await alice.page.locator('#lobby-list').textContent()) ?? '', /Bob/);

    const refused = serverError(carol.page, 'not_host');
    await sendFrom(carol.page, { type: 'host', verb: 'admit', participantId: bob.id });
    await refused;
    assert.equal(await bob.page.locator('#lobby-wait').isVisible(), true, 'Bob still waits after a non-host tried to admit him');
    const denyRefused = serverError(carol.page, 'not_host');
    await sendFrom(carol.page, { type: 'host', verb: 'deny', participantId: bob.id });
    await denyRefused;
    assert.equal(await bob.page.locator('#lobby-wait').isVisible(), true, 'Bob still waits after a non-host tried to deny him');
    assert.deepEqual((await panelOf(alice.page)).knocking, [bob.id], 'and Alice still sees him knocking');

    await alice.page.click(`#lobby-list [data-verb="admit"][data-participant-id="${bob.id}"]`);
    await bob.page.waitForSelector('#connection-state[data-state="connected"]', { timeout: 15_000 });
    for (const page of [alice.page, bob.page]) await expectMediaFlowing(page);
    assert.deepEqual((await panelOf(alice.page)).knocking, [], 'the lobby is empty again');
    console.log('Bob knocked on app server 2; Carol\'s admit and deny: not_host, Bob still knocking; Alice admitted him from app server 1; media flows both ways');
  });

  it('tells a denied joiner that it was not let in', async () => {
    const room = 'lobby-deny';
    const alice = await host(room);
    await turnOnLobby(alice);
    const dave = await knock(cluster.app2, 'Dave', room);
    await waitFor(() => panelOf(alice.page), (panel) => panel.knocking.includes(dave.id), 10_000);
    await alice.page.click(`#lobby-list [data-verb="deny"][data-participant-id="${dave.id}"]`);
    const said = await waitFor(() => dave.page.locator('#lobby-status').textContent(), (text) => /did not let you in/.test(text ?? ''), 10_000);
    assert.match(said ?? '', /Alice did not let you in/);
    assert.deepEqual((await waitFor(() => panelOf(alice.page), (panel) => panel.knocking.length === 0, 10_000)).knocking, []);
    console.log(`Dave's page says: "${said}"`);
  });

  it('takes a knock off the hosts\' list when its page is closed', async () => {
    const room = 'lobby-closed';
    const alice = await host(room);
    await turnOnLobby(alice);
    const frank = await knock(cluster.app2, 'Frank', room);
    await waitFor(() => panelOf(alice.page), (panel) => panel.knocking.includes(frank.id), 10_000);
    await frank.page.close();
    const after = await waitFor(() => panelOf(alice.page), (panel) => !panel.knocking.includes(frank.id), 10_000);
    assert.deepEqual(after.knocking, [], 'Frank closed his page: nobody knocks');
    assert.ok(!after.present.includes(frank.id), 'and he is not in the room either');
    assert.equal(await alice.page.locator('#lobby-list li').count(), 0, 'the lobby list is empty');
    console.log('Frank closed his page while knocking on app server 2: Alice (app server 1) no longer sees him knocking');
  });

  it('hands the host role, and who knocks, to the next host when the host leaves', async () => {
    const room = 'lobby-handover';
    const alice = await host(room);
    const carol = await joinAs(await cluster.page(), cluster.app2, 'Carol', room);
    await turnOnLobby(alice);
    const eve = await knock(cluster.app1, 'Eve', room);
    const knocked = await waitFor(() => panelOf(alice.page), (panel) => panel.knocking.includes(eve.id), 10_000);
    assert.ok(!knocked.present.includes(eve.id), 'Eve, knocking on Alice\'s own app server, is not shown in the room');
    await openPanel(carol.page);
    assert.deepEqual((await panelOf(carol.page)).knocking, [], 'Carol, not a host, does not see the lobby');

    await alice.page.click('#leave-button');
    const handed = await waitFor(() => panelOf(carol.page), (panel) => panel.hosts.includes(carol.id) && panel.knocking.includes(eve.id), 10_000);
    assert.deepEqual(handed.hosts, [carol.id], 'Carol hosts once Alice left');
    assert.deepEqual(handed.knocking, [eve.id], 'and sees Eve knocking');
    await carol.page.click(`#lobby-list [data-verb="admit"][data-participant-id="${eve.id}"]`);
    await eve.page.waitForSelector('#connection-state[data-state="connected"]', { timeout: 15_000 });
    console.log('Alice left: Carol (app server 2) became host, saw Eve (app server 1) knocking and let her in');
  });

  it('asks for the password a host set, says when it is wrong, joins with the right one, and joins without once the host clears it', async () => {
    const room = 'guarded';
    const alice = await host(room);
    await openPanel(alice.page);
    await alice.page.fill('#room-password', 'open sesame');
    await alice.page.click('#room-password-form button[type="submit"]');
    await waitFor(() => alice.page.locator('#room-password-form').getAttribute('data-has-password'), (has) => has === 'true', 10_000);

    const bob = await cluster.page();
    const first = await submitJoin(bob, cluster.app2, 'Bob', room);
    assert.equal(first.status, 403);
    await bob.waitForSelector('#password-label:not([hidden])');
    assert.match((await bob.locator('#join-error').textContent()) ?? '', /needs its password/);
    const wrong = await submitJoin(bob, cluster.app2, 'Bob', room, 'open barley');
    assert.equal(wrong.status, 403);
    assert.match((await bob.locator('#join-error').textContent()) ?? '', /wrong password/);
    const right = await submitJoin(bob, cluster.app2, 'Bob', room, 'open sesame');
    assert.equal(right.status, 200);
    await bob.waitForSelector('#connection-state[data-state="connected"]', { timeout: 15_000 });
    console.log('password set by Alice: no password → field shown, "needs its password"; wrong → "wrong password"; right → joined');

    await alice.page.click('#clear-password-button');
    await waitFor(() => alice.page.locator('#room-password-form').getAttribute('data-has-password'), (has) => has === 'false', 10_000);
    const carol = await cluster.page();
    const open = await submitJoin(carol, cluster.app1, 'Carol', room);
    assert.equal(open.status, 200);
    await carol.waitForSelector('#connection-state[data-state="connected"]', { timeout: 15_000 });
    console.log('Alice cleared it: Carol joined without a password');
  });
});
