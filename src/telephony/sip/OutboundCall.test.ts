/**
 * Our BYE against a trunk that keeps challenging it, and what is left
 * running once the call and the endpoint are gone. The lab's kamailio
 * accepts the credentials it asked for (test/e2e/sipByeChallenge.test.ts
 * proves that path end to end); a trunk that refuses them is a rare edge
 * case a real one cannot be made to show on demand, so here a scripted
 * trunk on a UDP socket answers the INVITE and challenges every BYE.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { pino } from 'pino';
import sip, { type SipMessage, type SipRequest } from 'sip';
import { OutboundCall, type TrunkAccount } from './OutboundCall.js';
import { SipEndpoint } from './SipEndpoint.js';

const PHONE_TAG = 'phone-tag';

/** Answers an INVITE with 200 OK through a Record-Route, ignores ACKs, and answers every BYE with 407. */
class ChallengingTrunk {
  readonly byes: SipRequest[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('message', (data, remote) => this.receive(data, remote.address, remote.port));
  }

  static async start(): Promise<ChallengingTrunk> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new ChallengingTrunk(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }

  private receive(data: Buffer, address: string, port: number): void {
    const request = sip.parse(data);
    if (!request || !('method' in request)) return;
    const send = (message: SipMessage) => this.socket.send(Buffer.from(sip.stringify(message), 'binary'), port, address);
    if (request.method === 'INVITE') {
      const ok = sip.makeResponse(request, 200, 'OK');
      ok.headers.to = { ...request.headers.to, params: { ...request.headers.to.params, tag: PHONE_TAG } };
      ok.headers.contact = [{ uri: `sip:phone@127.0.0.1:${this.port}`, params: {} }];
      ok.headers['record-route'] = [{ uri: `sip:127.0.0.1:${this.port};lr`, params: {} }];
      ok.headers['content-type'] = 'application/sdp';
      ok.content = 'v=0\r\n';
      send(ok);
    } else if (request.method === 'BYE') {
      this.byes.push(request);
      const challenge = sip.makeResponse(request, 407, 'Proxy Authentication Required');
      challenge.headers['proxy-authenticate'] = `Digest realm="scripted", nonce="nonce-${this.byes.length}", qop="auth"`;
      send(challenge);
    }
  }
}

/** Log lines the endpoint writes, parsed. */
function capturingLogger(lines: Array<Record<string, unknown>>) {
  return pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
}

/** Timers alive in this process: the SIP transactions' retransmission and timeout timers among them. */
const liveTimers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

const nextLoopTurn = () => new Promise((resolve) => setImmediate(resolve));

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('OutboundCall hanging up through a trunk that challenges BYE', () => {
  let trunk: ChallengingTrunk;

  before(async () => {
    trunk = await ChallengingTrunk.start();
  });

  after(() => {
    trunk?.close();
  });

  // Each test closes its endpoint as part of what it proves; this closes it when the test failed first.
  const endpoints: SipEndpoint[] = [];

  beforeEach(() => {
    trunk.byes.length = 0;
  });

  afterEach(async () => {
    for (const endpoint of endpoints.splice(0)) endpoint.close();
    await nextLoopTurn();
  });

  const target = () => ({ address: '127.0.0.1', port: trunk.port });
  async function openEndpoint(logLines: Array<Record<string, unknown>> = []): Promise<SipEndpoint> {
    const endpoint = await SipEndpoint.open(
      { bindAddress: '127.0.0.1', port: 0, publicAddress: '127.0.0.1', logger: capturingLogger(logLines) },
      target(),
    );
    endpoints.push(endpoint);
    return endpoint;
  }
  const account = (): TrunkAccount => ({
    target: target(),
    domain: `127.0.0.1:${trunk.port}`,
    username: 'convene',
    password: 'secret',
    fromNumber: '+15550009999',
  });

  /** Dials through `endpoint` and calls `onAnswered` as soon as the trunk answers. */
  function answeredCall(endpoint: SipEndpoint, onAnswered: (call: OutboundCall) => void): Promise<boolean> {
    const call = new OutboundCall(endpoint, account(), '+15550001000', 10_000);
    const ended = new Promise<boolean>((resolve, reject) => {
      call.once('ended', resolve);
      call.once('failed', (failure, detail) => reject(new Error(`the call failed: ${failure} (${detail})`)));
    });
    call.once('answered', () => onAnswered(call));
    call.dial('v=0\r\n');
    return ended;
  }

  it('answers the first challenge once with credentials in the same dialog, and logs the second instead of looping', async () => {
    const logLines: Array<Record<string, unknown>> = [];
    const timersBefore = liveTimers();
    const endpoint = await openEndpoint(logLines);
    const endedByPhone = await answeredCall(endpoint, (call) => call.hangUp());
    assert.equal(endedByPhone, false, 'the call ends for the room at once, as hung up by us');

    await eventually(() => logLines.some((line) => line['msg'] === 'the trunk refused our BYE: the phone may still be connected'));
    const refusal = logLines.find((line) => line['status'] === 407 && line['withCredentials'] === true);
    assert.ok(refusal, `the second challenge is logged: ${JSON.stringify(logLines)}`);
    assert.equal(trunk.byes.length, 2, 'one BYE, then one answer to its challenge, and no more');

    const [first, second] = trunk.byes as [SipRequest, SipRequest];
    assert.equal(first.headers['proxy-authorization'], undefined);
    const [credentials] = second.headers['proxy-authorization'] as Array<Record<string, string>>;
    assert.deepEqual([credentials?.['username'], credentials?.['realm'], credentials?.['nonce']], ['"convene"', '"scripted"', '"nonce-1"']);
    assert.ok(second.headers.cseq.seq > first.headers.cseq.seq, 'the answer is a new transaction, with a higher CSeq');
    for (const bye of [first, second]) {
      assert.equal(bye.uri, `sip:phone@127.0.0.1:${trunk.port}`, 'sent to the remote target');
      assert.equal(bye.headers['call-id'], first.headers['call-id']);
      assert.equal(bye.headers.from.params['tag'], first.headers.from.params['tag']);
      assert.equal(bye.headers.to.params['tag'], PHONE_TAG);
      assert.match(String(sip.stringify(bye)), new RegExp(`\\r\\nRoute: *<sip:127\\.0\\.0\\.1:${trunk.port};lr>`), 'the route set is kept');
    }

    endpoint.close();
    await nextLoopTurn();
    assert.equal(liveTimers(), timersBefore, 'no call or transaction timer outlives the call and the endpoint');
  });

  it('sends a BYE queued as the endpoint closes, once, and leaves no timer behind', async () => {
    const timersBefore = liveTimers();
    const endpoint = await openEndpoint();
    // What a server shutdown does: hang up every call, then close the endpoint in the same turn.
    await answeredCall(endpoint, (call) => {
      call.hangUp();
      endpoint.close();
    });
    await eventually(() => trunk.byes.length === 1);
    await nextLoopTurn();
    assert.equal(liveTimers(), timersBefore, 'the BYE transaction is ended with the endpoint');
    assert.equal(trunk.byes.length, 1, 'the challenge to it finds the endpoint closed');
  });
});
