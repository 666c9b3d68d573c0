/**
 * A caller that sends its keypad digits as SIP INFO (`application/dtmf-relay`),
 * which the lab's baresip cannot do: sipp (Debian `sip-tester`) runs a
 * scenario that calls a number through the lab trunk with its credentials,
 * streams a tone (G.711 µ-law) once answered, sends one INFO per digit,
 * then waits for the far end's BYE. It exits 0 once that BYE came. sipp
 * does not record: its SDP can name another port for what the caller
 * hears (`hearOn`, an RtpListener's).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LabProcess, type LabProcessExit } from '../labProcess.js';
import { freeUdpPort } from './freePort.js';
import type { SipLabTrunk } from './sipLab.js';

const run = promisify(execFile);

export interface SippInfoCall {
  /** Settles when sipp ends: code 0 after the far end's BYE. */
  readonly exited: Promise<LabProcessExit>;
  output(): string;
  stop(): Promise<void>;
}

export async function callWithInfoDigits(options: { trunk: SipLabTrunk; number: string; digits: string; toneHz: number; workDir: string; hearOn?: number }): Promise<SippInfoCall> {
  const { trunk, workDir } = options;
  const toneWav = join(workDir, `sipp-tone-${options.toneHz}.wav`);
  await run('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'u-law', toneWav, 'synth', '120', 'sine', String(options.toneHz), 'vol', '0.5']);
  const scenario = join(workDir, 'info-digits.xml');
  await writeFile(scenario, renderScenario(options.digits, toneWav, options.hearOn));
  const [sipPort, mediaPort] = [await freeUdpPort(), await freeUdpPort()];
  const sipp = await LabProcess.start(
    'sipp INFO caller',
    'sipp',
    [
      `${trunk.host}`,
      ...['-sf', scenario, '-s', options.number.replace(/^\+/, ''), '-m', '1', '-l', '1'],
      ...['-i', '127.0.0.1', '-p', String(sipPort), '-mi', '127.0.0.1', '-mp', String(mediaPort)],
      ...['-au', trunk.username, '-ap', trunk.password],
      ...['-nostdin', '-timeout', '120s', '-timeout_error', '-trace_err', '-error_file', join(workDir, 'sipp-errors.log')],
    ],
    workDir,
  );
  return { exited: sipp.exited, output: () => sipp.output(), stop: () => sipp.stop() };
}

const FROM = 'From: <sip:infocaller@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]';
const TO = 'To: <sip:[service]@[remote_ip]:[remote_port]>';

function renderScenario(digits: string, toneWav: string, hearOn: number | undefined): string {
  if (!/^[0-9*#]+$/.test(digits)) throw new Error(`digits ${JSON.stringify(digits)}: keypad keys only`);
  const invite = (cseq: number, auth: string) => `
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${FROM}
${TO}
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:infocaller@[local_ip]:[local_port]>
${auth}Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio ${hearOn ?? '[media_port]'} RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=ptime:20
]]></send>`;
  const info = (digit: string, cseq: number) => `
  <send retrans="500"><![CDATA[
INFO [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
${FROM}
${TO}[peer_tag_param]
Call-ID: [call_id]
CSeq: ${cseq} INFO
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal=${digit}
Duration=160
]]></send>
  <recv response="200"/>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="dial-in with SIP INFO digits">
${invite(1, '')}
  <recv response="100" optional="true"/>
  <recv response="407" auth="true"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
${FROM}
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
]]></send>
${invite(2, '[authentication]\n')}
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
${FROM}
${TO}[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 ACK
Max-Forwards: 70
Content-Length: 0
]]></send>
  <nop><action><exec rtp_stream="${toneWav},-1,0"/></action></nop>
${[...digits].map((digit, index) => info(digit, 3 + index)).join('\n')}
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
]]></send>
</scenario>
`;
}
