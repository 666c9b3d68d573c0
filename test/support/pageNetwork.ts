/**
 * A page with a network of its own, whose downlink a test can throttle: a
 * network namespace joined to the test's media namespace by a veth pair
 * (scripts/in-media-netns.sh), and a Chromium started inside it. Shaping the
 * media side's end of the pair shapes what the page receives, and only
 * that page (the media namespace's own traffic goes over `lo`). Its
 * addresses are private to the two namespaces.
 *
 * Janus must gather a candidate on the media side's end (`mediaEnd`, add it
 * to JANUS_ICE_ENFORCE_LIST) and the app server must listen there too
 * (HOST 0.0.0.0): the page reaches both at `mediaAddress`.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from './browser.js';

const run = promisify(execFile);

/** The two ends' addresses (a /30 of their own). */
const MEDIA_ADDRESS = '10.77.0.1';
const PAGE_ADDRESS = '10.77.0.2';

export class PageNetwork {
  /** The interface on the media side, for JANUS_ICE_ENFORCE_LIST. */
  readonly mediaEnd = 'vm0';
  readonly mediaAddress = MEDIA_ADDRESS;

  private constructor(
    private readonly namespace: string,
    private readonly scratch: string,
  ) {}

  static async create(): Promise<PageNetwork> {
    const namespace = `convene-page-${process.pid}`;
    const network = new PageNetwork(namespace, await mkdtemp(join(tmpdir(), 'convene-page-net-')));
    try {
      await run('ip', ['netns', 'add', namespace]);
      await run('ip', ['link', 'add', network.mediaEnd, 'type', 'veth', 'peer', 'name', 'vp0', 'netns', namespace]);
      await run('ip', ['addr', 'add', `${MEDIA_ADDRESS}/30`, 'dev', network.mediaEnd]);
      await run('ip', ['link', 'set', network.mediaEnd, 'up']);
      await network.inside('ip', 'addr', 'add', `${PAGE_ADDRESS}/30`, 'dev', 'vp0');
      await network.inside('ip', 'link', 'set', 'vp0', 'up');
      await network.inside('ip', 'link', 'set', 'lo', 'up');
    } catch (error) {
      await network.remove();
      throw error;
    }
    return network;
  }

  /** Where the page finds the app server at `serverUrl` (http://127.0.0.1:<port> in the media namespace). */
  urlOf(serverUrl: string): string {
    return `http://${MEDIA_ADDRESS}:${new URL(serverUrl).port}`;
  }

  /**
   * A Chromium whose every process lives in the page's namespace. The app
   * server's address there is not localhost: Chromium is told to take it as
   * a secure origin, as it would be over HTTPS, so the page may use the
   * camera.
   */
  async launchBrowser(serverUrl: string): Promise<Browser> {
    const wrapper = join(this.scratch, 'chromium-in-page-netns');
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${this.namespace} ${CHROMIUM_PATH} "$@"\n`);
    await chmod(wrapper, 0o755);
    return launchBrowser([`--unsafely-treat-insecure-origin-as-secure=${this.urlOf(serverUrl)}`], wrapper);
  }

  /**
   * Limits what the page receives to `kbit` per second, like a home router: what exceeds it waits in a
   * queue of up to two seconds (at 600 kbit/s, 150 KB, a small home router's buffer), and is dropped
   * beyond. With much less, a sudden limit drops the frames already on their way before a smaller
   * layer, which starts with a keyframe behind that queue, can reach the page.
   */
  async throttle(kbit: number): Promise<void> {
    await run('tc', ['qdisc', 'replace', 'dev', this.mediaEnd, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '32kbit', 'latency', '2s']);
  }

  /** What the throttle holds back now and has dropped so far (`tc -s`), for a test's account of each second. */
  async queue(): Promise<{ backlogBytes: number; dropped: number }> {
    const { stdout } = await run('tc', ['-s', 'qdisc', 'show', 'dev', this.mediaEnd]);
    const backlog = /backlog (\d+)b/.exec(stdout)?.[1];
    const dropped = /dropped (\d+)/.exec(stdout)?.[1];
    return { backlogBytes: Number(backlog ?? 0), dropped: Number(dropped ?? 0) };
  }

  async lift(): Promise<void> {
    await run('tc', ['qdisc', 'del', 'dev', this.mediaEnd, 'root']).catch(() => undefined);
  }

  /** Removes the namespace, the veth pair with it, and the scratch folder. */
  async remove(): Promise<void> {
    await run('ip', ['netns', 'delete', this.namespace]).catch(() => undefined);
    await run('ip', ['link', 'delete', this.mediaEnd]).catch(() => undefined);
    await rm(this.scratch, { recursive: true, force: true });
  }

  private async inside(...command: string[]): Promise<void> {
    await run('ip', ['netns', 'exec', this.namespace, ...command]);
  }
}
