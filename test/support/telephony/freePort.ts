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

/**
 * A port P free for UDP and TCP with P+1 free for TCP: baresip's
 * sip_listen takes UDP and TCP on P and its TLS listener on P+1.
 */
export async function freeSipListenPort(attempts = 20): Promise<number> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const port = await freeUdpPort();
    if (port < 65535 && (await bindTcp(port)) === port && (await bindTcp(port + 1)) === port + 1) return port;
  }
  throw new Error('no port P on 127.0.0.1 with UDP P, TCP P and TCP P+1 free');
}

/** A start attempt's failure, and whether a port taken in the meantime caused it. */
export interface StartFailure {
  error: Error;
  portClash: boolean;
}

/**
 * Free ports are picked before the program binds them, so another process
 * can take one in between; starting again with fresh ports fixes that.
 */
export async function retryOnPortClash<T>(startOnce: () => Promise<T | StartFailure>, isStarted: (value: T | StartFailure) => value is T, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const started = await startOnce();
    if (isStarted(started)) return started;
    if (!started.portClash || attempt === attempts) throw started.error;
  }
}
