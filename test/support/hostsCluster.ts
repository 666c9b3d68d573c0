/**
 * Two app servers sharing one Redis and one Janus, for the host, hand and
 * lobby tests, and how those tests read and drive the people panel of a
 * meeting page.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import type { HostMessage } from '../../src/client/session/MeetingSession.js';
import { startTestJanus } from './testJanus.js';
import { launchBrowser, newPage } from './browser.js';
import { joinMeeting, type JoinOptions } from './meetingPage.js';
import { startRedis } from './cluster/redisServer.js';
import { startAppServer, type TestAppServer } from './cluster/appServer.js';

export interface HostsCluster {
  app1: TestAppServer;
  app2: TestAppServer;
  adminSecret: string;
  /** A page of its own (its own storage), closed by `closePages`. */
  page(): Promise<Page>;
  closePages(): Promise<void>;
  /** Fails the calling test if an app server logged an unhandled rejection. */
  assertNoUnhandledRejection(): void;
  stop(): Promise<void>;
}

export async function startHostsCluster(rtpPortRange: string): Promise<HostsCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'convene-hosts-'));
  const janusSecret = randomBytes(18).toString('base64url');
  const adminSecret = randomBytes(18).toString('base64url');
  const redis = await startRedis(dir);
  const { janus, runDir } = await startTestJanus(rtpPortRange, janusSecret);
  const env = {
    REDIS_URL: redis.url,
    JANUS_URLS: janus.url,
    JANUS_API_SECRET: janusSecret,
    TOKEN_SECRET: randomBytes(32).toString('base64url'),
    ADMIN_SECRET: adminSecret,
    RECONNECT_GRACE_S: '2',
  };
  const apps = await Promise.all([startAppServer('app1', env), startAppServer('app2', env)]);
  const browser: Browser = await launchBrowser();
  const pages: Page[] = [];
  const assertNoUnhandledRejection = (): void => {
    for (const app of apps) app.assertNoUnhandledRejection();
  };
  return {
    app1: apps[0],
    app2: apps[1],
    adminSecret,
    async page() {
      const created = await newPage(browser);
      pages.push(created);
      return created;
    },
    async closePages() {
      await Promise.all(pages.splice(0).map((p) => p.context().close()));
    },
    assertNoUnhandledRejection,
    async stop() {
      await browser.close();
      await Promise.all(apps.map((app) => app.stop()));
      await janus.stop();
      await rm(runDir, { recursive: true, force: true });
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
      // Last, so that a failure leaves nothing running; stopped servers have their whole log read.
      assertNoUnhandledRejection();
    },
  };
}

export interface Person {
  page: Page;
  id: string;
  token: string;
  name: string;
}

/** Fills in the join form (a fresh one, or with a password once it asks for one) and clicks Join, as a person would; resolves with what `/joinCall` answered. */
export async function submitJoin(page: Page, server: TestAppServer, name: string, room: string, password?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  if (password === undefined) await page.goto(`${server.url}/?room=${encodeURIComponent(room)}`);
  // The password field shows once the room said it needs one: the page is not loaded again, as a person would not.
  else await page.fill('#password', password);
  await page.fill('#name', name);
  const reply = page.waitForResponse((response) => response.url().endsWith('/joinCall'));
  await page.click('#join-button');
  const response = await reply;
  return { status: response.status(), body: (await response.json()) as Record<string, unknown> };
}

/** Joins through the page, as a person would, keeping the token `/joinCall` gave it. */
export async function joinAs(page: Page, server: TestAppServer, name: string, room: string, options: JoinOptions = {}): Promise<Person> {
  const reply = page.waitForResponse((response) => response.url().endsWith('/joinCall'));
  await joinMeeting(page, server.url, name, room, options);
  const { token, participantId } = (await (await reply).json()) as { token: string; participantId: string };
  acceptDialogs(page);
  return { page, id: participantId, token, name };
}

/** Remove and End for everyone confirm before they act; the person clicks OK. */
export function acceptDialogs(page: Page): void {
  page.on('dialog', (dialog) => void dialog.accept());
}

/** What the people panel shows: who is host, the raised hands in order, who is in the room and who knocks. */
export function panelOf(page: Page): Promise<{ hosts: string[]; hands: string[]; present: string[]; knocking: string[] }> {
  // No named functions inside: the page runs this as it is, without the test runner's helpers.
  return page.evaluate(() => ({
    hosts: [...document.querySelectorAll<HTMLElement>('#people-list li')].filter((item) => item.querySelector('.host-badge')).map((item) => item.dataset['participantId'] ?? ''),
    hands: [...document.querySelectorAll<HTMLElement>('#hands-list li')].map((item) => item.dataset['participantId'] ?? ''),
    present: [...document.querySelectorAll<HTMLElement>('#people-list li')].map((item) => item.dataset['participantId'] ?? ''),
    knocking: [...document.querySelectorAll<HTMLElement>('#lobby-list li')].map((item) => item.dataset['participantId'] ?? ''),
  }));
}

export async function openPanel(page: Page): Promise<void> {
  if (await page.locator('#people-panel').isHidden()) await page.click('#people-button');
}

/** Sends a message as the page would, bypassing its buttons (a non-host has none). */
export function sendFrom(page: Page, message: HostMessage): Promise<void> {
  return page.evaluate((m) => (window as unknown as { convene: { session: { sendHostMessage(m: unknown): void } } }).convene.session.sendHostMessage(m), message);
}

/** Resolves when the page reports a server error with this code. */
export function serverError(page: Page, code: string): Promise<void> {
  return new Promise((resolve) => {
    const listen = (message: { text(): string }): void => {
      if (!message.text().includes(`server error ${code}:`)) return;
      page.off('console', listen);
      resolve();
    };
    page.on('console', listen);
  });
}

/** A data attribute of a participant's camera tile, as a page shows it. */
export function tileData(page: Page, participantId: string, key: string): Promise<string | undefined> {
  return page.evaluate(
    ([id, name]) => document.querySelector<HTMLElement>(`#grid figure.camera[data-participant-id="${id}"]`)?.dataset[name!],
    [participantId, key] as const,
  );
}
