/**
 * The bandwidth figure as an SVG bar chart in two panels, simulcast on
 * beside off: each page's downlink (with the target, 35 % of off), and the
 * decoded frames per second of each remote camera against the rate the
 * cameras capture at. A bar is the median over pages × rounds, its line runs
 * from the smallest sample to the p95, and dots are each round's median.
 * Under each bar, the pages' renderer CPU and the machine's idle share:
 * the evidence the arm was not starved of CPU.
 */
import type { BandwidthResult } from '../bandwidth/bandwidthBench.js';
import type { ArmSummary } from '../bandwidth/armSummary.js';
import type { Summary } from '../lib/stats.js';
import { escape, niceCeiling } from './svg.js';

const WIDTH = 860;
const HEIGHT = 460;
const PLOT = { top: 90, height: 260 };
const PANELS = [
  { left: 80, width: 300 },
  { left: 520, width: 300 },
];
const ARM_COLOURS = { on: '#2c6fbb', off: '#95a5a6' };
const TARGET_COLOUR = '#c0392b';

interface Bar {
  label: string;
  colour: string;
  summary: Summary;
  /** Each round's median. */
  rounds: number[];
  note: string;
}

interface Panel {
  left: number;
  width: number;
  title: string;
  top: number;
  format: (value: number) => string;
  bars: Bar[];
  reference?: { value: number; label: string };
}

function drawPanel(panel: Panel): string {
  const y = (value: number) => PLOT.top + PLOT.height - (value / panel.top) * PLOT.height;
  const bottom = PLOT.top + PLOT.height;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((share) => {
      const at = y(share * panel.top);
      return `<line x1="${panel.left}" x2="${panel.left + panel.width}" y1="${at}" y2="${at}" stroke="#ddd"/>
<text x="${panel.left - 8}" y="${at + 4}" text-anchor="end">${panel.format(share * panel.top)}</text>`;
    })
    .join('\n');
  const slot = panel.width / panel.bars.length;
  const bars = panel.bars
    .map((bar, index) => {
      const centre = panel.left + slot * (index + 0.5);
      const half = slot * 0.25;
      const { median, p95, min } = bar.summary;
      const dots = bar.rounds.map((value, round) => `<circle cx="${(centre + half + 12 + (round % 3) * 6).toFixed(1)}" cy="${y(value).toFixed(1)}" r="3" fill="#333"/>`).join('');
      return `<rect x="${centre - half}" y="${y(median).toFixed(1)}" width="${half * 2}" height="${(bottom - y(median)).toFixed(1)}" fill="${bar.colour}"/>
<line x1="${centre}" x2="${centre}" y1="${y(min).toFixed(1)}" y2="${y(p95).toFixed(1)}" stroke="#222" stroke-width="1.5"/>
<line x1="${centre - 6}" x2="${centre + 6}" y1="${y(p95).toFixed(1)}" y2="${y(p95).toFixed(1)}" stroke="#222" stroke-width="1.5"/>
<text x="${centre}" y="${(y(median) - 6).toFixed(1)}" text-anchor="middle" font-weight="bold">${panel.format(median)}</text>${dots}
<text x="${centre}" y="${bottom + 18}" text-anchor="middle">${escape(bar.label)}</text>
${bar.note
  .split(' · ')
  .map((line, index) => `<text x="${centre}" y="${bottom + 34 + index * 14}" text-anchor="middle" fill="#555" font-size="11">${escape(line)}</text>`)
  .join('\n')}`;
    })
    .join('\n');
  const reference = panel.reference
    ? `<line x1="${panel.left}" x2="${panel.left + panel.width}" y1="${y(panel.reference.value)}" y2="${y(panel.reference.value)}" stroke="${TARGET_COLOUR}" stroke-dasharray="6 4"/>
<text x="${panel.left + panel.width}" y="${PLOT.top + 14}" text-anchor="end" fill="${TARGET_COLOUR}">${escape(`dashed: ${panel.reference.label}`)}</text>`
    : '';
  return `<text x="${panel.left + panel.width / 2}" y="${PLOT.top - 14}" text-anchor="middle" font-weight="bold">${escape(panel.title)}</text>
${grid}
${bars}
${reference}`;
}

function armNote(arm: ArmSummary): string {
  return `renderer CPU ${arm.rendererCpuPercent.median.toFixed(0)} % · idle ${arm.machineIdlePercent.median.toFixed(0)} %`;
}

export function bandwidthChartSvg(result: BandwidthResult, subtitle: string): string {
  const arms = [
    { key: 'on' as const, arm: result.simulcastOn },
    { key: 'off' as const, arm: result.simulcastOff },
  ];
  const roundsOf = (simulcast: boolean, pick: (round: BandwidthResult['rounds'][number]) => number) => result.rounds.filter((r) => r.simulcast === simulcast).map(pick);
  const kbps = (bps: number) => `${(bps / 1000).toFixed(0)}`;
  const cameraFps = result.setup.camera.framesPerSecond;
  const downlinkTop = niceCeiling(Math.max(...arms.map(({ arm }) => arm.downlinkBps.p95)) * 1.1);
  const fpsTop = niceCeiling(Math.max(cameraFps, ...arms.map(({ arm }) => arm.decodedFps.p95)) * 1.15);
  const downlink = drawPanel({
    ...PANELS[0]!,
    title: 'Downlink per page (kbit/s)',
    top: downlinkTop,
    format: kbps,
    bars: arms.map(({ key, arm }) => ({
      label: `simulcast ${key}`,
      colour: ARM_COLOURS[key],
      summary: arm.downlinkBps,
      rounds: roundsOf(arm.simulcast, (r) => r.downlinkMedianBps),
      note: `received ${arm.receivedHeight.median.toFixed(0)} px high`,
    })),
    reference: { value: result.targetRatio * result.simulcastOff.downlinkBps.median, label: `target: ${(result.targetRatio * 100).toFixed(0)} % of off` },
  });
  const fps = drawPanel({
    ...PANELS[1]!,
    title: 'Decoded frames per second, per camera',
    top: fpsTop,
    format: (value) => value.toFixed(value < 10 && value % 1 !== 0 ? 1 : 0),
    bars: arms.map(({ key, arm }) => ({
      label: `simulcast ${key}`,
      colour: ARM_COLOURS[key],
      summary: arm.decodedFps,
      rounds: roundsOf(arm.simulcast, (r) => r.decodedFpsMedian),
      note: armNote(arm),
    })),
    reference: { value: cameraFps, label: `cameras capture ${cameraFps} fps` },
  });
  const { pages, camera, viewport } = result.setup;
  const ratio = `cameras ${camera.width}×${camera.height} at ${camera.framesPerSecond} fps, no microphones · on ÷ off = ${(result.downlinkRatio * 100).toFixed(0)} % (target ≤ ${(result.targetRatio * 100).toFixed(0)} %)`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="DejaVu Sans, sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${pages} pages in one room, each a ${viewport.width}×${viewport.height} grid: simulcast on and off</text>
<text x="${WIDTH / 2}" y="40" text-anchor="middle" fill="#555">${escape(subtitle)}</text>
<text x="${WIDTH / 2}" y="58" text-anchor="middle">${escape(ratio)}</text>
${downlink}
${fps}
<text x="${WIDTH / 2}" y="${HEIGHT - 14}" text-anchor="middle" fill="#555" font-size="11">bar: median over pages × rounds · line: lowest to p95 · dots: each round's median · CPU in % of one core, idle: whole machine</text>
</svg>`;
}
