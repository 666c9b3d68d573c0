/** A socket opened without a token: it authenticates with its first message, in time, or is closed saying why. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { TokenIssuer } from '../auth/tokens.js';
import { CloseCode } from '../protocol/messages.js';
import { authenticateSocket, type Authenticated } from './socketAuthentication.js';

const TIMEOUT_MS = 300;

describe('authenticateSocket', () => {
  let runDir: string;
  let tokens: TokenIssuer;
  let server: WebSocketServer;
  let url: string;
  /** What the server made of each connection, in the order they came. */
  const outcomes: Array<Promise<Authenticated | undefined>> = [];
  /** The token check of participant `slow` waits until its socket has brought three messages: the later two arrive while it is checked. */
  let threeMessagesIn: () => void = () => undefined;
  const slowCheckMayEnd = new Promise<void>((resolve) => (threeMessagesIn = resolve));

  before(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'convene-auth-'));
    tokens = await TokenIssuer.create('socket-authentication-test-secret-0123456789', runDir, 60, async (id) => {
      if (id === 'slow') await slowCheckMayEnd;
      return id === 'ended';
    });
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (socket) => {
      let received = 0;
      socket.on('message', () => {
        received += 1;
        if (received === 3) threeMessagesIn();
      });
      outcomes.push(authenticateSocket(socket, tokens, TIMEOUT_MS));
    });
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    url = `ws://127.0.0.1:${address.port}`;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(runDir, { recursive: true, force: true });
  });

  /** Opens a socket, sends `messages` as soon as it is open, and resolves with how the server closed it (if it did within `waitMs`). */
  async function connect(messages: string[], waitMs = 2_000): Promise<{ outcome: Promise<Authenticated | undefined>; closed: { code: number; reason: string } | undefined }> {
    const socket = new WebSocket(url);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    await new Promise((resolve) => socket.once('open', resolve));
    const outcome = outcomes[outcomes.length - 1]!;
    for (const message of messages) socket.send(message);
    const result = await Promise.race([closed, new Promise<undefined>((resolve) => setTimeout(resolve, waitMs))]);
    socket.terminate();
    return { outcome, closed: result };
  }

  it('takes a valid token, and hands over in order what the page sent while it was checked', async () => {
    const token = await tokens.issue({ participantId: 'slow', room: 'alpha', name: 'Ann' });
    const socket = new WebSocket(url);
    await new Promise((resolve) => socket.once('open', resolve));
    const outcome = outcomes[outcomes.length - 1]!;
    for (const message of [JSON.stringify({ type: 'authenticate', token }), '{"type":"ping","nonce":1}', '{"type":"ping","nonce":2}']) socket.send(message);
    const authenticated = await outcome;
    assert.equal(socket.readyState, WebSocket.OPEN, 'the socket stays open');
    socket.terminate();
    assert.deepEqual(authenticated?.grant, { participantId: 'slow', room: 'alpha', name: 'Ann' });
    assert.deepEqual(
      authenticated?.early.map((message) => message.data.toString()),
      ['{"type":"ping","nonce":1}', '{"type":"ping","nonce":2}'],
    );
  });

  it('closes with 4001 for a bad, or revoked, token', async () => {
    const bad = await connect([JSON.stringify({ type: 'authenticate', token: 'not-a-token' })]);
    assert.deepEqual(bad.closed, { code: CloseCode.unauthorized, reason: 'the token is not valid' });
    assert.equal(await bad.outcome, undefined);
    const revoked = await connect([JSON.stringify({ type: 'authenticate', token: await tokens.issue({ participantId: 'ended', room: 'alpha', name: 'Bo' }) })]);
    assert.equal(revoked.closed?.code, CloseCode.unauthorized);
    assert.match(revoked.closed?.reason ?? '', /ended/);
  });

  it('closes with 4400 when the first message is anything but authenticate', async () => {
    for (const first of ['{"type":"ping"}', 'not json', JSON.stringify({ type: 'authenticate', token: 'x', extra: 1 })]) {
      const { closed, outcome } = await connect([first]);
      assert.equal(closed?.code, CloseCode.protocolError, first);
      assert.match(closed?.reason ?? '', /^the first message must authenticate/);
      assert.equal(await outcome, undefined);
    }
  });

  it('closes a socket that does not authenticate in time', async () => {
    const { closed, outcome } = await connect([], TIMEOUT_MS * 10);
    assert.equal(closed?.code, CloseCode.unauthorized);
    assert.match(closed?.reason ?? '', /authenticate within/);
    assert.equal(await outcome, undefined);
  });
});
