/**
 * `GET /metrics`: behind METRICS_SECRET, in Prometheus's text format, with
 * gauges that follow participants joining and leaving, feeds and
 * subscriptions of a real two-browser call, and errors counted by code.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Browser } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser.js';
import { startTestServer } from '../support/testServer.js';
import { joinMeeting, waitFor } from '../support/meetingPage.js';

const METRICS_SECRET = 'metrics-secret-for-tests';

/** The value of one sample in Prometheus's text format, e.g. `convene_phone_calls{state="ringing"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('metrics', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  const scrape = async (): Promise<string> => {
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_SECRET}` } });
    assert.equal(response.status, 200);
    return response.text();
  };
  const join = async (name: string, room: string) =>
    (await (await fetch(`${server.url}/joinCall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, room }) })).json()) as { token: string };

  before(async () => {
    server = await startTestServer({ METRICS_SECRET });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('answers only with the METRICS_SECRET, in Prometheus text format', async () => {
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer not-the-metrics-secret' } })).status, 401);
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_SECRET}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /# TYPE convene_rooms gauge/);
    assert.match(text, /# TYPE convene_errors_total counter/);
    assert.equal(sample(text, `convene_janus_up{url="${server.janusPool.all[0]!.url}"}`), 1);
    assert.equal(sample(text, 'convene_phone_calls{state="ringing"}'), 0);
  });

  it('counts rooms and participants as a page joins and leaves', async () => {
    const before = await scrape();
    assert.equal(sample(before, 'convene_rooms'), 0);
    assert.equal(sample(before, 'convene_participants'), 0);

    const { token } = await join('Ann', 'counted');
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws?token=${token}`);
    await new Promise((resolve) => socket.once('message', resolve));
    const joined = await scrape();
    assert.equal(sample(joined, 'convene_rooms'), 1);
    assert.equal(sample(joined, 'convene_participants'), 1);

    socket.send(JSON.stringify({ type: 'leave' }));
    const left = await waitFor(scrape, (text) => sample(text, 'convene_rooms') === 0, 5_000, 100);
    assert.equal(sample(left, 'convene_participants'), 0);
  });

  it('counts the feeds and subscriptions of a two-browser call', async () => {
    const pages = await Promise.all([newPage(browser), newPage(browser)]);
    await joinMeeting(pages[0]!, server.url, 'Alice', 'watched');
    await joinMeeting(pages[1]!, server.url, 'Bob', 'watched');
    const text = await waitFor(scrape, (t) => sample(t, 'convene_subscriptions') === 2, 15_000);
    assert.equal(sample(text, 'convene_participants'), 2);
    assert.equal(sample(text, 'convene_publishers'), 2, 'one camera each');
    assert.equal(sample(text, 'convene_subscriptions'), 2, 'each receives the other');
    for (const page of pages) await page.context().close();
  });

  it('counts every error answered, by channel and code', async () => {
    const series = (channel: string, code: string) => `convene_errors_total{channel="${channel}",code="${code}"}`;
    const before = await scrape();
    await fetch(`${server.url}/joinCall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await fetch(`${server.url}/nowhere`);
    const { token } = await join('Eve', 'errors');
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws?token=${token}`);
    await new Promise((resolve) => socket.once('message', resolve));
    const answered = new Promise((resolve) => socket.once('message', resolve));
    socket.send('not json');
    await answered;
    socket.close();
    const after = await scrape();
    assert.equal(sample(after, series('http', 'invalid_request')) - sample(before, series('http', 'invalid_request')), 1);
    assert.equal(sample(after, series('http', 'not_found')) - sample(before, series('http', 'not_found')), 1);
    assert.equal(sample(after, series('ws', 'bad_message')) - sample(before, series('ws', 'bad_message')), 1);
  });
});
