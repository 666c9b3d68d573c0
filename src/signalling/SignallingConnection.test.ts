/** A page that does not read its socket is dropped, not buffered for without bound. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { pino } from 'pino';
import { SignallingConnection, type Entered, type SignallingOptions } from './SignallingConnection.js';

/** The parts of a `ws` socket that sending touches, with a send buffer the test fills. */
class StalledSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: string[] = [];
  terminated = false;

  send(data: string): void {
    this.sent.push(data);
    this.bufferedAmount += data.length;
  }

  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
}

describe('SignallingConnection backpressure', () => {
  it('terminates a page whose unread messages pass the buffer limit, and sends it nothing more', () => {
    const socket = new StalledSocket();
    const errors: string[] = [];
    const options: SignallingOptions = {
      iceServersFor: () => [],
      iceTransportPolicy: 'all',
      video: { simulcast: true, maxBitrateBps: 1_000_000, lastN: 9 },
      maxBufferedBytes: 1_000,
      messageRate: { perSecond: 50, burst: 300 },
      chatRate: { perSecond: 2, burst: 10 },
      onErrorSent: (code) => errors.push(code),
    };
    const grant = { participantId: 'participant-1', room: 'alpha', name: 'Ann' };
    const connection = new SignallingConnection(socket as unknown as WebSocket, () => new Promise<Entered>(() => undefined), grant, options, pino({ level: 'silent' }));

    for (let nonce = 0; nonce < 100; nonce++) connection.send({ type: 'pong', nonce });
    assert.equal(socket.terminated, true);
    assert.ok(socket.bufferedAmount <= 1_000 + 64, `buffered ${socket.bufferedAmount} bytes`);
    const sentBefore = socket.sent.length;
    connection.send({ type: 'error', code: 'internal_error', reason: 'late' });
    assert.equal(socket.sent.length, sentBefore);
    assert.deepEqual(errors, ['internal_error'], 'errors are counted even when the page is gone');
  });
});
