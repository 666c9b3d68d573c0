/**
 * The edges the fuzz test roams, each checked once by name: size limits on
 * bodies and signalling frames, frames the WebSocket protocol refuses,
 * URLs the router cannot take, prototype-polluting bodies, plain requests
 * to the WebSocket route, and HEAD on a route that acts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { request } from 'undici';
import { startTestServer } from '../support/testServer.js';

describe('edges of the HTTP API and the signalling WebSocket', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let token: string;

  const send = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const response = await request(`${server.url}${path}`, { method: method as 'GET', body, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } });
    const text = await response.body.text();
    return { status: response.statusCode, text, code: text ? (JSON.parse(text) as { error?: { code: string } }).error?.code : undefined };
  };

  /** Opens a signalling socket, sends one frame, and resolves with the next message or the close code. */
  const afterFrame = async (frame: string | Buffer, binary: boolean): Promise<{ message?: { type: string; code?: string }; closeCode?: number }> => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/ws?token=${token}`);
    await new Promise((resolve) => socket.once('message', resolve));
    return new Promise((resolve) => {
      socket.once('message', (data) => {
        resolve({ message: JSON.parse(String(data)) as { type: string; code?: string } });
        socket.close();
      });
      socket.once('close', (closeCode) => resolve({ closeCode }));
      socket.send(frame, { binary });
    });
  };

  before(async () => {
    server = await startTestServer();
    token = JSON.parse((await send('POST', '/joinCall', JSON.stringify({ name: 'Ann', room: 'edges' }))).text).token as string;
  });
  after(async () => server?.close());

  it('answers bodies over 16 KiB with 413 payload_too_large', async () => {
    const reply = await send('POST', '/joinCall', JSON.stringify({ name: 'Ann', room: 'x'.repeat(17 * 1024) }));
    assert.equal(reply.status, 413);
    assert.equal(reply.code, 'payload_too_large');
  });

  it('closes a signalling socket that sends a frame over 128 KiB with 1009, and one with a non-UTF-8 text frame with 1007', async () => {
    assert.deepEqual(await afterFrame('x'.repeat(129 * 1024), false), { closeCode: 1009 });
    assert.deepEqual(await afterFrame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false), { closeCode: 1007 });
  });

  it('answers binary and deeply nested signalling frames with bad_message', async () => {
    assert.equal((await afterFrame(Buffer.from([1, 2, 3]), true)).message?.code, 'bad_message');
    assert.equal((await afterFrame('['.repeat(60_000) + ']'.repeat(60_000), false)).message?.code, 'bad_message');
  });

  it('answers URLs with broken percent-encoding with 400 invalid_request in our error body', async () => {
    for (const path of ['/%', '/joinCall%E0%A4%A', '/%ff']) {
      const reply = await send('GET', path);
      assert.equal(reply.status, 400, path);
      assert.equal(reply.code, 'invalid_request', path);
    }
  });

  it('answers prototype-polluting bodies with 400 and pollutes nothing', async () => {
    for (const body of ['{"__proto__":{"polluted":1},"name":"Ann"}', '{"constructor":{"prototype":{"polluted":1}},"name":"Ann"}']) {
      const reply = await send('POST', '/joinCall', body);
      assert.equal(reply.status, 400, body);
      assert.equal(reply.code, 'invalid_json', body);
    }
    const query = await send('GET', '/idLookup?__proto__[polluted]=1&constructor[prototype][polluted]=1', undefined, { authorization: `Bearer ${token}` });
    assert.equal(query.status, 400);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('answers a plain GET /ws with 426 upgrade_required', async () => {
    const reply = await send('GET', `/ws?token=${token}`);
    assert.equal(reply.status, 426);
    assert.equal(reply.code, 'upgrade_required');
  });

  it('has no HEAD twin of GET /endPSTNCall, which hangs up calls', async () => {
    const reply = await send('HEAD', '/endPSTNCall', undefined, { authorization: `Bearer ${token}` });
    assert.equal(reply.status, 404);
  });

  it('never shows a stack trace, even for bodies of an unsupported type', async () => {
    const reply = await send('POST', '/joinCall', 'name=Ann', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(reply.status, 400);
    assert.doesNotMatch(reply.text, /\n\s+at |node_modules|\.[jt]s:\d/);
  });
});
