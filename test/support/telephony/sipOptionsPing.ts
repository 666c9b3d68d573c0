/**
 * Readiness probe: sends SIP OPTIONS over UDP until the target answers.
 * A bound port is not proof that a SIP server is routing requests; an
 * answered OPTIONS is.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const retryEveryMs = 100;

function optionsRequest(targetPort: number, localPort: number, callId: string): string {
  const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
  return [
    `OPTIONS sip:127.0.0.1:${targetPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:probe@127.0.0.1:${localPort}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:127.0.0.1:${targetPort}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/**
 * Resolves with the status code of the first answer; rejects after
 * `timeoutMs`, or early when `isDead()` says the server has gone.
 */
export function pingSipOptions(targetPort: number, timeoutMs: number, isDead: () => boolean = () => false): Promise<number> {
  const callId = `probe-${randomBytes(8).toString('hex')}`;
  const socket = createSocket('udp4');
  return new Promise<number>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: { code: number } | { error: Error }): void => {
      clearTimeout(timer);
      socket.close();
      if ('code' in result) resolve(result.code);
      else reject(result.error);
    };
    socket.on('message', (message) => {
      const text = message.toString('utf8');
      const status = /^SIP\/2\.0 (\d{3})/.exec(text);
      if (status?.[1] && text.includes(callId)) finish({ code: Number(status[1]) });
    });
    socket.once('error', (error) => finish({ error }));
    const send = (): void => {
      if (isDead()) return finish({ error: new Error(`SIP server on port ${targetPort} exited`) });
      if (Date.now() > deadline) return finish({ error: new Error(`no answer to OPTIONS on port ${targetPort} in ${timeoutMs} ms`) });
      socket.send(optionsRequest(targetPort, socket.address().port, callId), targetPort, '127.0.0.1');
      timer = setTimeout(send, retryEveryMs);
    };
    socket.bind(0, '127.0.0.1', send);
  });
}
