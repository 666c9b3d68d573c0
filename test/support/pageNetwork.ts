/**
 * A page with a network of its own, whose downlink a test can throttle: a
 * network namespace for the page, joined to the test's media namespace
 * (scripts/in-media-netns.sh) through a router namespace between them, and a
 * Chromium started inside the page's namespace. The throttle is a queue on
 * the router's way out to the page, as on a home router, and shapes what
 * that page receives and nothing else.
 *
 * The queue sits past a router, not on the media side's own interface: a
 * packet waiting in a queue on the sender's own host is still charged to the
 * sending socket, so a queue of some 70 KB there filled the send buffer of
 * Janus's socket for the page and Janus lost packets before they reached the
 * queue (counted as UDP SndbufErrors), which a real downlink never does. The
 * router takes each packet off its sender's account as it routes it.
 *
 * Janus must gather a candidate on the media side's end (`mediaEnd`, add it
 * to JANUS_ICE_ENFORCE_LIST) and the app server must listen there too
 * (HOST 0.0.0.0): the page reaches both at `mediaAddress`. The addresses
 * are private to the three namespaces.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from './browser.js';

const run = promisify(execFile);

/** Two links of a /30 each: media side to router, router to page. */
const MEDIA_ADDRESS = '10.77.0.1';
const ROUTER_MEDIA_SIDE = '10.77.0.2';
const ROUTER_PAGE_SIDE = '10.77.0.5';
const PAGE_ADDRESS = '10.77.0.6';
const PAGE_SUBNET = '10.77.0.4/30';
/** The router's interface towards the page, where the throttle queues. */
const ROUTER_TO_PAGE = 'vr1';

export class PageNetwork {
  /** The interface on the media side, for JANUS_ICE_ENFORCE_LIST. */
  readonly mediaEnd = 'vm0';
  readonly mediaAddress = MEDIA_ADDRESS;

  private constructor(
    private readonly namespace: string,
    private readonly router: string,
    private readonly scratch: string,
  ) {}

  static async create(): Promise<PageNetwork> {
    const network = new PageNetwork(`convene-page-${process.pid}`, `convene-router-${process.pid}`, await mkdtemp(join(tmpdir(), 'convene-page-net-')));
    const { namespace, router } = network;
    try {
      await run('ip', ['netns', 'add', namespace]);
      await run('ip', ['netns', 'add', router]);
      await run('ip', ['link', 'add', network.mediaEnd, 'type', 'veth', 'peer', 'name', 'vr0', 'netns', router]);
      await run('ip', ['addr', 'add', `${MEDIA_ADDRESS}/30`, 'dev', network.mediaEnd]);
      await run('ip', ['link', 'set', network.mediaEnd, 'up']);
      await run('ip', ['route', 'add', PAGE_SUBNET, 'via', ROUTER_MEDIA_SIDE]);
      await inside(router, 'ip', 'link', 'add', ROUTER_TO_PAGE, 'type', 'veth', 'peer', 'name', 'vp0', 'netns', namespace);
      await inside(router, 'ip', 'addr', 'add', `${ROUTER_MEDIA_SIDE}/30`, 'dev', 'vr0');
      await inside(router, 'ip', 'addr', 'add', `${ROUTER_PAGE_SIDE}/30`, 'dev', ROUTER_TO_PAGE);
      await inside(router, 'ip', 'link', 'set', 'vr0', 'up');
      await inside(router, 'ip', 'link', 'set', ROUTER_TO_PAGE, 'up');
      await inside(router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
      await inside(namespace, 'ip', 'addr', 'add', `${PAGE_ADDRESS}/30`, 'dev', 'vp0');
      await inside(namespace, 'ip', 'link', 'set', 'vp0', 'up');
      await inside(namespace, 'ip', 'link', 'set', 'lo', 'up');
      await inside(namespace, 'ip', 'route', 'add', 'default', 'via', ROUTER_PAGE_SIDE);
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
    await inside(this.router, 'tc', 'qdisc', 'replace', 'dev', ROUTER_TO_PAGE, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '32kbit', 'latency', '2s');
  }

  /**
   * What the throttle holds back now and has dropped so far (`tc -s`), and the UDP datagrams the media
   * namespace's senders could not send so far (their socket's buffer full, /proc/net/snmp SndbufErrors),
   * for a test's account of each second.
   */
  async queue(): Promise<{ backlogBytes: number; dropped: number; sendBufferDrops: number }> {
    const [{ stdout }, snmp] = await Promise.all([inside(this.router, 'tc', '-s', 'qdisc', 'show', 'dev', ROUTER_TO_PAGE), readFile('/proc/net/snmp', 'utf8')]);
    const backlog = /backlog (\d+)b/.exec(stdout)?.[1];
    const dropped = /dropped (\d+)/.exec(stdout)?.[1];
    const [names, values] = snmp.split('\n').filter((line) => line.startsWith('Udp:')).map((line) => line.split(/\s+/));
    const sendBufferDrops = Number(values?.[names?.indexOf('SndbufErrors') ?? -1] ?? 0);
    return { backlogBytes: Number(backlog ?? 0), dropped: Number(dropped ?? 0), sendBufferDrops };
  }

  async lift(): Promise<void> {
    await inside(this.router, 'tc', 'qdisc', 'del', 'dev', ROUTER_TO_PAGE, 'root').catch(() => undefined);
  }

  /** Removes the namespaces, the veth pairs with them, and the scratch folder. */
  async remove(): Promise<void> {
    await run('ip', ['netns', 'delete', this.namespace]).catch(() => undefined);
    await run('ip', ['netns', 'delete', this.router]).catch(() => undefined);
    await run('ip', ['link', 'delete', this.mediaEnd]).catch(() => undefined);
    await rm(this.scratch, { recursive: true, force: true });
  }
}

function inside(namespace: string, ...command: string[]): Promise<{ stdout: string }> {
  return run('ip', ['netns', 'exec', namespace, ...command]);
}
