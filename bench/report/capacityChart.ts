/**
 * The capacity figure as an SVG line chart: packet loss (left axis) and
 * Janus CPU (right axis) against the number of participants, with the 1 %
 * loss line. Plain SVG, so any browser renders it without the network.
 */
import type { CapacityPoint } from '../capacity/capacityBench.js';
import { escape, niceCeiling } from './svg.js';

const WIDTH = 760;
const HEIGHT = 420;
const MARGIN = { left: 70, right: 80, top: 50, bottom: 60 };
const LOSS_COLOUR = '#c0392b';
const CPU_COLOUR = '#2c6fbb';

export function capacityChartSvg(points: readonly CapacityPoint[], subtitle: string): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxN = Math.max(...points.map((p) => p.participants));
  const lossTop = niceCeiling(Math.max(2, ...points.map((p) => p.lossPercent)));
  const cpuTop = niceCeiling(Math.max(10, ...points.map((p) => p.janusCpuPercent)));
  const x = (n: number) => MARGIN.left + (n / maxN) * plotWidth;
  const yLoss = (v: number) => MARGIN.top + plotHeight - (v / lossTop) * plotHeight;
  const yCpu = (v: number) => MARGIN.top + plotHeight - (v / cpuTop) * plotHeight;
  const line = (y: (v: number) => number, value: (p: CapacityPoint) => number) => points.map((p) => `${x(p.participants).toFixed(1)},${y(value(p)).toFixed(1)}`).join(' ');
  const dots = (y: (v: number) => number, value: (p: CapacityPoint) => number, colour: string) =>
    points.map((p) => `<circle cx="${x(p.participants).toFixed(1)}" cy="${y(value(p)).toFixed(1)}" r="4" fill="${colour}"/>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const axisLabels = ticks
    .map((t) => {
      const y = MARGIN.top + plotHeight - t * plotHeight;
      return `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#ddd"/>
<text x="${MARGIN.left - 8}" y="${y + 4}" text-anchor="end" fill="${LOSS_COLOUR}">${+(t * lossTop).toFixed(2)}</text>
<text x="${MARGIN.left + plotWidth + 8}" y="${y + 4}" fill="${CPU_COLOUR}">${+(t * cpuTop).toFixed(1)}</text>`;
    })
    .join('\n');
  const xLabels = points.map((p) => `<text x="${x(p.participants)}" y="${MARGIN.top + plotHeight + 20}" text-anchor="middle">${p.participants}</text>`).join('');
  const onePercent = 1 <= lossTop ? `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${yLoss(1)}" y2="${yLoss(1)}" stroke="${LOSS_COLOUR}" stroke-dasharray="6 4"/>
<text x="${MARGIN.left + 6}" y="${yLoss(1) - 6}" fill="${LOSS_COLOUR}">1 % loss</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="DejaVu Sans, sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">One room on one Janus: N participants, each sending to all others</text>
<text x="${WIDTH / 2}" y="40" text-anchor="middle" fill="#555">${escape(subtitle)}</text>
${axisLabels}
${onePercent}
<polyline points="${line(yLoss, (p) => p.lossPercent)}" fill="none" stroke="${LOSS_COLOUR}" stroke-width="2.5"/>${dots(yLoss, (p) => p.lossPercent, LOSS_COLOUR)}
<polyline points="${line(yCpu, (p) => p.janusCpuPercent)}" fill="none" stroke="${CPU_COLOUR}" stroke-width="2.5"/>${dots(yCpu, (p) => p.janusCpuPercent, CPU_COLOUR)}
${xLabels}
<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 18}" text-anchor="middle">participants in the room (N)</text>
<text transform="translate(20 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" fill="${LOSS_COLOUR}">packet loss at subscribers (%)</text>
<text transform="translate(${WIDTH - 18} ${MARGIN.top + plotHeight / 2}) rotate(90)" text-anchor="middle" fill="${CPU_COLOUR}">Janus CPU (% of one core)</text>
</svg>`;
}
