/**
 * A Chromium of its own for each meeting page of the bandwidth benchmark,
 * its fake camera playing the benchmark's clip. One browser per page keeps
 * pages from sharing a renderer, a GPU process or a capture service, and
 * makes each page's CPU readable from /proc: the processes below that
 * browser are that page's, and its `--type=renderer` ones run the page's
 * WebRTC (decoding, encoding) and its script.
 */
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../../test/support/browser.js';
import { childPids, commandLine, descendantPids } from '../lib/processUsage.js';

export class PageBrowser {
  private constructor(
    readonly browser: Browser,
    /** The browser's main process: every process of this page's is below it. */
    private readonly rootPid: number,
  ) {}

  /**
   * Launches one. Launches must not overlap: the browser's process is told
   * apart as the one child of this process that was not there before.
   */
  static async launch(cameraClip: string): Promise<PageBrowser> {
    const childrenBefore = new Set(childPids(process.pid));
    const browser = await launchBrowser([`--use-file-for-fake-video-capture=${cameraClip}`]);
    const started = childPids(process.pid).filter((pid) => !childrenBefore.has(pid) && /chromium/.test(commandLine(pid).split(' ')[0] ?? ''));
    if (started.length !== 1) {
      await browser.close();
      throw new Error(`expected one new Chromium process, found ${started.length}`);
    }
    return new PageBrowser(browser, started[0]!);
  }

  /** Every process of this browser, itself included. */
  processes(): number[] {
    return [this.rootPid, ...descendantPids(this.rootPid)];
  }

  /** Its renderer processes: its page's, and possibly a spare one that idles. */
  renderers(): number[] {
    return descendantPids(this.rootPid).filter((pid) => / --type=renderer( |$)/.test(commandLine(pid)));
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}
