/**
 * One headless baresip process (the lab's phone, or a test caller): writes
 * its config folder, starts it, waits for its control port, and keeps a
 * record of every call from the control events, with the WAV files of what
 * the call heard and sent.
 */
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaresipCtrl, type BaresipEvent } from './baresipCtrl.js';
import { renderBaresipAccounts, renderBaresipConfig, type BaresipAccount } from './baresipConfig.js';
import { freeSipListenPort, freeTcpPort, retryOnPortClash, type StartFailure } from './freePort.js';
import { LabProcess } from '../labProcess.js';

export type AgentCallState = 'ringing' | 'established' | 'closed';

export interface AgentCall {
  /** The SIP Call-ID; through a proxy, both ends see the same one. */
  readonly callId: string;
  readonly direction: 'incoming' | 'outgoing' | undefined;
  readonly accountAor: string | undefined;
  readonly peerUri: string | undefined;
  readonly state: AgentCallState;
  /** Reached 'established' at some point, even if closed since. */
  readonly answered: boolean;
  /** RTP has arrived from the peer. */
  readonly mediaFlowing: boolean;
  /** baresip's reason, e.g. "486 Busy Here", "403 Forbidden", "Connection reset by peer". */
  readonly closeReason: string | undefined;
  /** Per-call WAV files (8 kHz mono), set once the call is established. */
  readonly recording: { readonly heardWav: string; readonly sentWav: string } | undefined;
}

export interface BaresipAgentOptions {
  readonly name: string;
  /** Path of the baresip binary. */
  readonly program: string;
  readonly workDir: string;
  readonly accounts: readonly BaresipAccount[];
  readonly microphoneWav: string;
  readonly rtpPorts: { readonly min: number; readonly max: number };
  readonly readyTimeoutMs: number;
}

const dumpFile = /^dump-.*-(dec|enc)\.wav$/;
// Printed after SIP, RTP settings and every module are set up; the other
// two mean a module (ctrl_tcp, above all) or the SIP stack did not start.
const readyOrFailed = /baresip is ready|failed to listen|init failed|module [\w.]+: /;
const dumpWaitMs = 2000;

async function distinctPorts(): Promise<{ sipPort: number; ctrlPort: number }> {
  const sipPort = await freeSipListenPort();
  for (;;) {
    const ctrlPort = await freeTcpPort();
    if (ctrlPort !== sipPort && ctrlPort !== sipPort + 1) return { sipPort, ctrlPort };
  }
}

export class BaresipAgent {
  private readonly callsById = new Map<string, AgentCall>();
  private readonly changeListeners = new Set<() => void>();
  private readonly callListeners = new Set<(call: AgentCall) => void>();
  // Events are applied one at a time so that a call is only reported
  // established once its recording files have been claimed.
  private eventQueue: Promise<void> = Promise.resolve();
  private establishedCount = 0;

  private constructor(
    readonly name: string,
    readonly sipPort: number,
    private readonly dumpDir: string,
    private readonly recordingsDir: string,
    private readonly process: LabProcess,
    private readonly ctrl: BaresipCtrl,
  ) {
    ctrl.onEvent((event) => {
      // apply() does not throw; the catch keeps one surprise from stalling every later event.
      this.eventQueue = this.eventQueue.then(() => this.apply(event)).catch(() => undefined);
    });
  }

  static start(options: BaresipAgentOptions): Promise<BaresipAgent> {
    return retryOnPortClash(() => BaresipAgent.startOnce(options), (value) => value instanceof BaresipAgent);
  }

  private static async startOnce(options: BaresipAgentOptions): Promise<BaresipAgent | StartFailure> {
    const { sipPort, ctrlPort } = await distinctPorts();
    const configDir = join(options.workDir, 'config');
    const dumpDir = join(options.workDir, 'dumps');
    const recordingsDir = join(options.workDir, 'recordings');
    await Promise.all([configDir, dumpDir, recordingsDir].map((dir) => mkdir(dir, { recursive: true })));
    const config = renderBaresipConfig({ sipPort, ctrlPort, microphoneWav: options.microphoneWav, dumpDir, rtpPorts: options.rtpPorts });
    await writeFile(join(configDir, 'config'), config);
    await writeFile(join(configDir, 'accounts'), renderBaresipAccounts(options.accounts));
    await writeFile(join(configDir, 'contacts'), '');
    const process = await LabProcess.start(options.name, options.program, ['-4', '-f', configDir], options.workDir);
    try {
      // baresip prints "ready" even when a module failed to load, so a
      // failed ctrl_tcp must be caught here: its port might then belong
      // to some other program that would accept our connection.
      const verdict = await process.waitForLine(readyOrFailed, options.readyTimeoutMs);
      if (!verdict.includes('baresip is ready')) throw new Error(`start-up failed: ${verdict.trim()}`);
      const ctrl = await BaresipCtrl.connect(ctrlPort, options.readyTimeoutMs, () => process.hasExited);
      return new BaresipAgent(options.name, sipPort, dumpDir, recordingsDir, process, ctrl);
    } catch (error) {
      await process.stop();
      return { error: process.failure(`not ready: ${(error as Error).message}`), portClash: process.output().includes('already in use') };
    }
  }

  calls(): readonly AgentCall[] {
    return [...this.callsById.values()];
  }

  /** Resolves with the first call (already known or future) that matches. */
  waitForCall(matches: (call: AgentCall) => boolean, timeoutMs: number, what: string): Promise<AgentCall> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.calls().find(matches);
        if (!found) return false;
        clearTimeout(timer);
        this.changeListeners.delete(onChange);
        resolve(found);
        return true;
      };
      const onChange = (): void => void check();
      const timer = setTimeout(() => {
        this.changeListeners.delete(onChange);
        const seen = JSON.stringify(this.calls(), null, 1);
        reject(new Error(`${this.name}: no call ${what} within ${timeoutMs} ms; calls: ${seen}`));
      }, timeoutMs);
      if (!check()) this.changeListeners.add(onChange);
    });
  }

  /** Called with the call's new record after every change (ringing, established, media, closed). */
  onCallChange(listener: (call: AgentCall) => void): () => void {
    this.callListeners.add(listener);
    return () => this.callListeners.delete(listener);
  }

  /** Runs a baresip menu command (dial, hangup, accept, uafind, …). */
  command(command: string, params = ''): Promise<string> {
    return this.ctrl.command(command, params);
  }

  output(): string {
    return this.process.output();
  }

  async stop(): Promise<void> {
    this.ctrl.close();
    // SIGTERM lets baresip hang up and close its WAV dumps properly.
    await this.process.stop();
  }

  private async apply(event: BaresipEvent): Promise<void> {
    if (!event.callId) return;
    const known = this.callsById.get(event.callId);
    let call: AgentCall = known ?? {
      callId: event.callId,
      direction: event.direction,
      accountAor: event.accountAor,
      peerUri: event.peerUri,
      state: 'ringing',
      answered: false,
      mediaFlowing: false,
      closeReason: undefined,
      recording: undefined,
    };
    switch (event.type) {
      case 'CALL_ESTABLISHED': {
        // A lost recording must not also lose the call's state change.
        const recording = await this.claimRecording(call.callId).catch(() => undefined);
        call = { ...call, state: 'established', answered: true, recording };
        break;
      }
      case 'CALL_RTPESTAB':
        call = { ...call, mediaFlowing: true };
        break;
      case 'CALL_CLOSED':
        call = { ...call, state: 'closed', closeReason: event.param };
        break;
      default:
        break;
    }
    this.callsById.set(call.callId, call);
    for (const listener of this.changeListeners) listener();
    for (const listener of this.callListeners) listener(call);
  }

  /**
   * sndfile names its dumps by the second the call started, so a second
   * call in the same second would overwrite the first. Moving the files to
   * per-call names as soon as the call is established avoids that; baresip
   * keeps writing through its open file handles.
   */
  private async claimRecording(callId: string): Promise<AgentCall['recording']> {
    const deadline = Date.now() + dumpWaitMs;
    for (;;) {
      const dumps = (await readdir(this.dumpDir)).filter((file) => dumpFile.test(file));
      const heard = dumps.find((file) => file.endsWith('-dec.wav'));
      const sent = dumps.find((file) => file.endsWith('-enc.wav'));
      if (heard && sent) {
        this.establishedCount += 1;
        const prefix = join(this.recordingsDir, `${this.establishedCount}-${callId.replace(/[^A-Za-z0-9_-]/g, '_')}`);
        const recording = { heardWav: `${prefix}-heard.wav`, sentWav: `${prefix}-sent.wav` };
        await rename(join(this.dumpDir, heard), recording.heardWav);
        await rename(join(this.dumpDir, sent), recording.sentWav);
        return recording;
      }
      if (Date.now() > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
