/** The HTTP API and the WebSocket's door, against a running server. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/testServer.js';
import { upgradeStatus } from '../support/upgradeStatus.js';

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe('HTTP API', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => (server = await startTestServer()));
  after(async () => server?.close());

  it('/joinCall returns a participant id, a token and the room', async () => {
    const reply = await post(`${server.url}/joinCall`, { name: 'Ann', room: 'alpha' });
    assert.equal(reply.status, 200);
    assert.match(reply.body.participantId, /^[A-Za-z0-9_-]{16}$/);
    assert.equal(reply.body.room, 'alpha');
    assert.equal(typeof reply.body.token, 'string');
  });

  it('/joinCall answers bad bodies with 400 and a stable code', async () => {
    for (const body of [{ room: 'alpha' }, { name: '' }, { name: 'x'.repeat(65) }, '{"name":', '[1,2]']) {
      const reply = await post(`${server.url}/joinCall`, body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.match(reply.body.error.code, /^invalid_(request|json)$/);
      assert.equal(typeof reply.body.error.reason, 'string');
    }
    const huge = await post(`${server.url}/joinCall`, { name: 'Ann', pad: 'x'.repeat(20_000) });
    assert.equal(huge.status, 413);
  });

  it('/idLookup names participants of the caller\'s room only', async () => {
    const ann = (await post(`${server.url}/joinCall`, { name: 'Ann', room: 'alpha' })).body;
    const bob = (await post(`${server.url}/joinCall`, { name: 'Bob', room: 'alpha' })).body;
    const eve = (await post(`${server.url}/joinCall`, { name: 'Eve', room: 'beta' })).body;
    const lookup = (id: string, token?: string) =>
      fetch(`${server.url}/idLookup?id=${id}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    const found = await lookup(bob.participantId, ann.token);
    assert.equal(found.status, 200);
    assert.deepEqual(await found.json(), { attendee: 'Bob' });

    const crossRoom = await lookup(bob.participantId, eve.token);
    assert.equal(crossRoom.status, 404, 'a beta token cannot see alpha participants');
    assert.equal((await lookup(bob.participantId)).status, 401);
    assert.equal((await lookup(bob.participantId, `${ann.token.slice(0, -4)}AAAA`)).status, 401, 'a tampered token is refused');
    assert.equal((await lookup('../etc', ann.token)).status, 400);
  });

  it('/idLookup also accepts the cookie /joinCall sets, for pages written for the seed sample', async () => {
    const ann = await post(`${server.url}/joinCall`, { room: 'gamma', caller: { name: 'Ann' } });
    const cookie = ann.headers.get('set-cookie')!.split(';')[0]!;
    const reply = await fetch(`${server.url}/idLookup?id=${ann.body.participantId}`, { headers: { cookie } });
    assert.deepEqual(await reply.json(), { attendee: 'Ann' });
  });

  it('refuses the signalling WebSocket with a bad token before upgrading; without one, the socket must authenticate', async () => {
    const wsUrl = server.url.replace('http', 'ws');
    assert.equal(await upgradeStatus(`${wsUrl}/ws?token=nonsense`), 401);
    assert.equal(await upgradeStatus(`${wsUrl}/ws?token=`), 400);
    assert.equal(await upgradeStatus(`${wsUrl}/ws`), 101, 'a page opens its socket before it joins');
    const ann = (await post(`${server.url}/joinCall`, { name: 'Ann', room: 'alpha' })).body;
    assert.equal(await upgradeStatus(`${wsUrl}/ws?token=${ann.token}`), 101);
  });

  it('answers unknown routes with 404 and a code', async () => {
    const reply = await fetch(`${server.url}/nope`);
    assert.equal(reply.status, 404);
    assert.equal((await reply.json()).error.code, 'not_found');
  });
});
