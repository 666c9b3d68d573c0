/**
 * Where a test caller's audio goes when the caller itself cannot record it
 * (sipp): a UDP socket whose port the caller's SDP offers, keeping the
 * G.711 µ-law payloads it receives in order. `heardLately` converts them
 * with sox and analyses the last seconds, as a phone's recording is.
 */
import { createSocket, type Socket } from 'node:dgram';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { analyseWavTail, type ToneReport } from './toneAnalysis.js';

const run = promisify(execFile);
const RTP_HEADER_BYTES = 12;
const PCMU = 0;

export class RtpListener {
  private readonly payloads: Buffer[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (packet) => {
      // Version 2, no CSRCs or extension (what the server sends), payload type PCMU.
      if (packet.length > RTP_HEADER_BYTES && packet[0] === 0x80 && (packet[1]! & 0x7f) === PCMU) this.payloads.push(packet.subarray(RTP_HEADER_BYTES));
    });
  }

  static async open(): Promise<RtpListener> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RtpListener(socket, socket.address().port);
  }

  /** The last `seconds` of what arrived, analysed; undefined until that much came. */
  async heardLately(seconds: number, workDir: string): Promise<ToneReport | undefined> {
    const audio = Buffer.concat(this.payloads);
    if (audio.length < seconds * 8000) return undefined;
    const [raw, wav] = [join(workDir, `rtp-${this.port}.ul`), join(workDir, `rtp-${this.port}.wav`)];
    await writeFile(raw, audio);
    await run('sox', ['-t', 'ul', '-r', '8000', '-c', '1', raw, '-b', '16', wav]);
    return analyseWavTail(wav, seconds);
  }

  close(): void {
    this.socket.close();
  }
}
