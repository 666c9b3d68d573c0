/**
 * Runs our own Janus as a child process: writes its private configuration,
 * starts it, waits until it answers `info`, forwards its log into ours and
 * starts it again whenever it dies.
 */
import { EventEmitter } from 'node:events';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { renderJanusConfig, type EmbeddedJanusSettings } from './janusConfig.js';
import { JanusConnection } from './janus/JanusConnection.js';
import { withoutSecrets } from '../logging/logger.js';
import { findFreePort } from '../support/ports.js';
import { makePrivateDir, writePrivateFile } from '../support/privateFiles.js';
import { sleep } from '../support/time.js';

export interface EmbeddedJanusOptions {
  binary: string;
  runDir: string;
  rtpPortRange: string;
  iceEnforceList: string;
  natPublicIp: string;
  stunServer: string;
  debugLevel: number;
  logger: Logger;
  /** The API secret to require; a random one when absent. */
  apiSecret?: string;
}

interface EmbeddedJanusEvents {
  /** A new Janus process is up and answering; earlier sessions and rooms are gone. */
  ready: [];
}

const READY_TIMEOUT_MS = 20_000;
const MAX_RESTART_DELAY_MS = 5_000;

export class EmbeddedJanus extends EventEmitter<EmbeddedJanusEvents> {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartDelayMs = 250;
  private readonly logger: Logger;

  private constructor(
    private readonly options: EmbeddedJanusOptions,
    private readonly configDir: string,
    readonly url: string,
    readonly apiSecret: string,
    /** The Admin API (subprotocol `janus-admin-protocol`): what sessions and handles Janus holds, for operators and tests. */
    readonly admin: { url: string; secret: string },
  ) {
    super();
    this.logger = options.logger.child({ component: 'janus' });
  }

  static async start(options: EmbeddedJanusOptions): Promise<EmbeddedJanus> {
    const configDir = join(options.runDir, 'janus');
    await makePrivateDir(configDir);
    const wsPort = await findFreePort();
    const adminWsPort = await findFreePort();
    const settings: EmbeddedJanusSettings = {
      wsPort,
      apiSecret: options.apiSecret ?? randomBytes(18).toString('base64url'),
      adminWsPort,
      adminSecret: randomBytes(18).toString('base64url'),
      rtpPortRange: options.rtpPortRange,
      iceEnforceList: options.iceEnforceList,
      natPublicIp: options.natPublicIp,
      stunServer: options.stunServer,
      debugLevel: options.debugLevel,
    };
    for (const [name, text] of renderJanusConfig(settings, configDir)) await writePrivateFile(join(configDir, name), text);
    const janus = new EmbeddedJanus(options, configDir, `ws://127.0.0.1:${wsPort}`, settings.apiSecret, {
      url: `ws://127.0.0.1:${adminWsPort}`,
      secret: settings.adminSecret,
    });
    await janus.launch();
    return janus;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    // A Janus that died of a signal (a crash while rooms were torn down) has no exit code, only a signal code.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(forced);
  }

  private async launch(): Promise<void> {
    const child = spawn(this.options.binary, ['-F', this.configDir, '-C', join(this.configDir, 'janus.jcfg'), '-o'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.forwardLog(child);
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    const spawnFailed = new Promise<never>((_, reject) =>
      child.once('error', (error) =>
        reject(new Error(`cannot run Janus '${this.options.binary}': ${error.message}. Install it with 'apt-get install janus' or set JANUS_URLS.`)),
      ),
    );
    await Promise.race([this.waitUntilAnswering(child), spawnFailed]);
    this.logger.info({ pid: child.pid, url: this.url }, 'embedded Janus is ready');
    this.restartDelayMs = 250;
    this.emit('ready');
  }

  private async waitUntilAnswering(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('Janus exited while starting: see its log lines above');
      try {
        const connection = await JanusConnection.connect({ url: this.url, apiSecret: this.apiSecret, logger: this.logger, requestTimeoutMs: 2_000 });
        try {
          await connection.info();
          return;
        } finally {
          connection.close();
        }
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`Janus did not answer on ${this.url} within ${READY_TIMEOUT_MS} ms`);
  }

  private forwardLog(child: ChildProcess): void {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (text) => {
        // From debug level 5 Janus prints its configuration, and higher up the requests it receives: secrets included.
        const line = withoutSecrets(text, [this.apiSecret, this.admin.secret]);
        // Janus warns about every plugin we leave unloaded on purpose: that is not news.
        if (line.includes('[ERR]')) this.logger.error(line);
        else if (line.includes('[WARN]') && !line.includes('has been disabled')) this.logger.warn(line);
        else this.logger.debug(line);
      });
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child) return;
    this.logger.error({ code, signal, restartInMs: this.restartDelayMs }, 'embedded Janus exited; starting it again');
    const delayMs = this.restartDelayMs;
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, MAX_RESTART_DELAY_MS);
    setTimeout(() => {
      if (this.stopping) return;
      this.launch().catch((error: Error) => {
        this.logger.error({ err: error.message }, 'embedded Janus failed to start again');
        // Killing a hung child lands in onExit again, which schedules the next try.
        if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
      });
    }, delayMs);
  }
}
