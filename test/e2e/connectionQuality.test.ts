/**
 * Connection quality on the tiles, in real Chromium pages against a real
 * Janus: in a room of three, Ann's page runs in a network namespace of its
 * own (test/support/pageNetwork.ts). Every remote tile shows a label whose
 * details the keyboard reaches; when Ann's downlink is held to a trickle,
 * her remote tiles fall to fair or poor and her page says its connection is
 * poor (and only hers does); once the limit goes, her tiles are good again.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { waitFor } from '../support/meetingPage.js';
import type { PageNetwork } from '../support/pageNetwork.js';
import { meetingWithOwnNetwork, type MeetingWithOwnNetwork } from '../support/meetingWithOwnNetwork.js';

const ROOM = 'quality';
/** Less than the two voices alone need (with the smallest layers of two cameras on top): the queue stays full and packets drop. */
const TRICKLE_KBIT = 50;

interface TileQuality {
  participantId: string;
  self: boolean;
  grade: string | undefined;
  details: string;
}

/** Every camera tile's grade and details, as the page shows them. */
function tileQualities(page: Page): Promise<TileQuality[]> {
  return page.locator('.tile.camera').evaluateAll((tiles) =>
    tiles.map((tile) => {
      const badge = tile.querySelector('.quality');
      return {
        participantId: (tile as HTMLElement).dataset['participantId'] ?? '',
        self: tile.classList.contains('self'),
        grade: (tile as HTMLElement).dataset['quality'],
        details: document.getElementById(badge?.getAttribute('aria-describedby') ?? '')?.textContent ?? '',
      };
    }),
  );
}

const remote = (qualities: TileQuality[]) => qualities.filter((tile) => !tile.self);
const summary = (qualities: TileQuality[]) => qualities.map((tile) => `${tile.self ? 'self' : 'remote'} ${tile.grade}: ${tile.details}`).join('; ');

describe('connection quality on the tiles', () => {
  let meeting: MeetingWithOwnNetwork | undefined;
  let network: PageNetwork;
  let ann: Page;
  let others: Page[];

  before(async () => {
    meeting = await meetingWithOwnNetwork(ROOM, ['Bob', 'Carol']);
    ({ network, ann, others } = meeting);
  });

  after(async () => {
    await meeting?.close();
  });

  it('labels every tile, remote ones by what arrives and our own by what is sent, with details reachable by keyboard focus', async (t) => {
    for (const page of [ann, ...others]) {
      const qualities = await waitFor(() => tileQualities(page), (all) => all.length === 3 && all.every((tile) => tile.grade === 'good'), 20_000);
      assert.equal(remote(qualities).length, 2, 'two remote tiles');
      assert.ok(qualities.every((tile) => tile.grade === 'good'), `every tile is labelled good on a clear network: ${summary(qualities)}`);
      for (const tile of qualities) assert.match(tile.details, new RegExp(`^Loss \\d+\\.\\d % · round trip \\d+ ms · \\d+ kbit/s ${tile.self ? 'sent' : 'received'}$`));
    }

    // Back from the call bar through the tiles, as a keyboard user would: every label takes the focus and shows its details.
    await ann.locator('#mic-button').focus();
    const reached = new Map<string, { name: string; tooltipShown: boolean; description: string }>();
    for (let step = 0; step < 20; step += 1) {
      await ann.keyboard.press('Shift+Tab');
      const focused = await ann.evaluate(() => {
        const active = document.activeElement as HTMLElement | null;
        if (!active?.classList.contains('quality')) return { inGrid: active?.closest('#grid') !== null };
        const details = document.getElementById(active.getAttribute('aria-describedby') ?? '');
        return {
          inGrid: true,
          participantId: active.closest<HTMLElement>('.tile')?.dataset['participantId'] ?? '',
          name: active.getAttribute('aria-label') ?? '',
          tooltipShown: details?.getAttribute('role') === 'tooltip' && details.checkVisibility(),
          description: details?.textContent ?? '',
        };
      });
      if ('participantId' in focused) reached.set(focused.participantId!, { name: focused.name!, tooltipShown: focused.tooltipShown!, description: focused.description! });
      else if (!focused.inGrid && reached.size > 0) break;
    }
    const tiles = await tileQualities(ann);
    assert.deepEqual([...reached.keys()].sort(), tiles.map((tile) => tile.participantId).sort(), 'Shift+Tab reaches the label of every tile');
    for (const [participantId, label] of reached) {
      assert.match(label.name, /^(Ann \(you\)|Bob|Carol): connection (good|fair|poor)$/, `${participantId}'s label is named for whose connection it is`);
      assert.ok(label.tooltipShown, `${participantId}'s details show while the label has the focus`);
      assert.match(label.description, /^Loss .* kbit\/s (received|sent)$/);
    }
    const focusedDetailsShown = () => ann.evaluate(() => document.getElementById(document.activeElement?.getAttribute('aria-describedby') ?? '')?.checkVisibility());
    await ann.locator('.tile:not(.self) .quality').first().focus();
    assert.equal(await focusedDetailsShown(), true);
    await ann.keyboard.press('Escape');
    assert.equal(await focusedDetailsShown(), false, 'Escape hides the details, the focus staying on the label');
    t.diagnostic(`Ann's labels: ${[...reached.values()].map((label) => `${label.name} (${label.description})`).join('; ')}`);
  });

  it('falls to fair or poor on a throttled downlink, where the page says its connection is poor, and returns to good once the limit goes', async (t) => {
    await network.throttle(TRICKLE_KBIT);
    const throttledAt = Date.now();
    const notice = ann.locator('#quality-notice');
    const degraded = await waitFor(
      async () => ({ qualities: await tileQualities(ann), notice: await notice.textContent() }),
      ({ qualities, notice: text }) => remote(qualities).every((tile) => tile.grade === 'fair' || tile.grade === 'poor') && /connection is poor/.test(text ?? ''),
      20_000,
    );
    const degradedMs = Date.now() - throttledAt;
    assert.ok(remote(degraded.qualities).every((tile) => tile.grade === 'fair' || tile.grade === 'poor'), `Ann's remote tiles fall to fair or poor: ${summary(degraded.qualities)}`);
    assert.match(degraded.notice ?? '', /Your connection is poor/, `Ann's page says its connection is poor: ${summary(degraded.qualities)}`);
    assert.equal(await notice.getAttribute('aria-live'), 'polite');
    for (const page of others) assert.equal(await page.locator('#quality-notice').textContent(), '', "the others' pages, whose links are clear, say nothing");
    t.diagnostic(`${degradedMs} ms after the limit: ${summary(degraded.qualities)}`);

    await network.lift();
    const liftedAt = Date.now();
    const recovered = await waitFor(
      async () => ({ qualities: await tileQualities(ann), notice: await notice.textContent() }),
      ({ qualities, notice: text }) => qualities.every((tile) => tile.grade === 'good') && text === '',
      30_000,
    );
    assert.ok(recovered.qualities.every((tile) => tile.grade === 'good'), `every tile is good again: ${summary(recovered.qualities)}`);
    assert.equal(recovered.notice, '', 'the notice goes');
    t.diagnostic(`${Date.now() - liftedAt} ms after lifting it: ${summary(recovered.qualities)}`);
  });
});
