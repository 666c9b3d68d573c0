/** Renders an SVG to PNG in the headless Chromium the project already uses, offline. */
import { writeFile } from 'node:fs/promises';
import { launchBrowser } from '../../test/support/browser.js';

export async function renderSvgToPng(svg: string, pngPath: string): Promise<void> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    const png = await page.locator('svg').screenshot();
    await writeFile(pngPath, png);
  } finally {
    await browser.close();
  }
}
