/**
 * Finds ports on 127.0.0.1 that nothing is using right now. The OS picks
 * them, so parallel test files do not fight over a fixed range; the port
 * is released before the program that wants it binds, which leaves a small
 * race that the callers accept for tests.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const host = '127.0.0.1';

function bindUdp(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(undefined);
    });
    socket.bind(port, host, () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

function bindTcp(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

export async function freeUdpPort(): Promise<number> {
  const port = await bindUdp(0);
  if (port === undefined) throw new Error('no free UDP port on 127.0.0.1');
  return port;
}

export async function freeTcpPort(): Promise<number> {
  const port = await bindTcp(0);
  if (port === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}

/** A port free for both UDP and TCP: baresip's sip_listen binds both. */
export async function freeUdpAndTcpPort(attempts = 20): Promise<number> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const port = await freeUdpPort();
    if ((await bindTcp(port)) === port) return port;
  }
  throw new Error('no port on 127.0.0.1 free for both UDP and TCP');
}
