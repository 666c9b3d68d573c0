/**
 * The UDP sockets of dial-in calls. By default each binds any free port; with
 * SIP_RTP_PORT_RANGE set, the phone-facing ones take an even port of that
 * range (RTP's custom, RTCP being the odd one above), so a firewall can open
 * just the range to the provider. Calls start at a random place in it, so
 * they do not all walk past the same taken ports.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';

export interface PortRange {
  low: number;
  high: number;
}

/** `20000-20999` as a range (its shape checked by the configuration's schema). */
export function portRange(text: string): PortRange {
  const [low = 0, high = 0] = text.split('-').map(Number);
  return { low, high };
}

/** A socket on `address`: any free port without `range`, else the first free even port of it from a random start. */
export async function bindRtpSocket(address: string, range?: PortRange): Promise<Socket> {
  if (!range) return bindOn(address, 0);
  const firstEven = range.low + (range.low % 2);
  const evenPorts = Math.floor((range.high - firstEven) / 2) + 1;
  const start = randomInt(0, Math.max(evenPorts, 1));
  for (let step = 0; step < evenPorts; step++) {
    const port = firstEven + ((start + step) % evenPorts) * 2;
    try {
      return await bindOn(address, port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  throw new Error(`every even port of SIP_RTP_PORT_RANGE ${range.low}-${range.high} is taken: widen the range (each dial-in call holds one)`);
}

function bindOn(address: string, port: number): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind(port, address, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
