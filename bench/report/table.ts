/**
 * The printed result: Markdown tables, readable in a terminal and ready for
 * the README's Performance section.
 */
import type { Summary } from '../lib/stats.js';
import type { BenchResults, ResultFile } from './resultFile.js';

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : '–');
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const kib = (bytes: number): string => (bytes / 1024).toFixed(0);
const kbps = (bitsPerSecond: number): string => (bitsPerSecond / 1000).toFixed(0);

function row(cells: Array<string | number>): string {
  return `| ${cells.join(' | ')} |`;
}

function summaryRow(benchmark: string, figure: string, summary: Summary, unit = 'ms'): string {
  return row([benchmark, figure, `${ms(summary.median)} ${unit}`, `${ms(summary.p95)} ${unit}`, summary.runs]);
}

function headlineTable(results: BenchResults): string[] {
  const lines = [row(['benchmark', 'figure', 'median', 'p95', 'runs']), row(['---', '---', '---:', '---:', '---:'])];
  const { join, signalling, phone, capacity, bandwidth } = results;
  if (join) {
    for (const [label, way] of [['the joiner sees the room', join.joinerSeesRoom], ['the room sees the joiner', join.roomSeesJoiner]] as const) {
      lines.push(summaryRow('join', `click "Join" → ${label}: first video frame (meeting page, our server)`, way.convene));
      lines.push(summaryRow('join', `same, client talking to Janus directly`, way.direct));
      lines.push(row(['join', `${label}: meeting page ÷ direct (medians)`, `${way.ratio.toFixed(2)}×`, '', '']));
    }
    lines.push(summaryRow('join', 'server share: `/joinCall` sent → `publishAnswer` received', join.serverShare));
  }
  if (capacity) {
    const largest = capacity.largestUnderOnePercentLoss;
    lines.push(row(['capacity', 'largest room (N) on one Janus with < 1 % loss', largest === undefined ? 'none tested' : String(largest), '', '']));
  }
  if (signalling) {
    lines.push(row(['signalling', `joins per second (join, negotiate, leave; ${signalling.concurrency} at once)`, signalling.joinsPerSecond.toFixed(0), '', signalling.completedJoins]));
    lines.push(summaryRow('signalling', 'one join-negotiate-leave cycle under that load', signalling.joinCycleMs));
    lines.push(row(['signalling', 'app server memory per connected participant', `${kib(signalling.serverBytesPerParticipant)} KiB`, '', signalling.memory.length]));
    lines.push(row(['signalling', 'Janus memory per connected participant', `${kib(signalling.janusBytesPerParticipant)} KiB`, '', signalling.memory.length]));
  }
  if (phone) lines.push(summaryRow('phone', 'phone answers → its audio first heard on the page', phone.answerToFirstAudio));
  if (bandwidth) {
    const grid = `${bandwidth.setup.pages} pages, ${bandwidth.setup.viewport.width}×${bandwidth.setup.viewport.height} grid`;
    lines.push(row(['bandwidth', `downlink per page, simulcast on (${grid})`, `${kbps(bandwidth.simulcastOn.downlinkBps.median)} kbit/s`, `${kbps(bandwidth.simulcastOn.downlinkBps.p95)} kbit/s`, bandwidth.simulcastOn.downlinkBps.runs]));
    lines.push(row(['bandwidth', 'same, simulcast off', `${kbps(bandwidth.simulcastOff.downlinkBps.median)} kbit/s`, `${kbps(bandwidth.simulcastOff.downlinkBps.p95)} kbit/s`, bandwidth.simulcastOff.downlinkBps.runs]));
    const verdict = bandwidth.downlinkRatio <= bandwidth.targetRatio ? 'met' : 'missed';
    lines.push(row(['bandwidth', `on ÷ off (medians); target ≤ ${bandwidth.targetRatio.toFixed(2)} ${verdict}`, `${bandwidth.downlinkRatio.toFixed(2)}×`, '', '']));
  }
  return lines;
}

function bandwidthTable(results: BenchResults): string[] {
  const bandwidth = results.bandwidth;
  if (!bandwidth) return [];
  const lines = [
    row(['simulcast', 'downlink per page', 'p95', 'decoded fps per camera', 'lowest', 'captured fps', 'sent fps of that layer', 'height received', 'renderer CPU %', 'p95', 'browser CPU %', 'machine idle %', 'lowest', 'other processes CPU %', 'encoder CPU-limited %', 'Janus CPU %']),
    row(['---', ...Array<string>(15).fill('---:')]),
  ];
  const arms = [bandwidth.simulcastOn, bandwidth.simulcastOff];
  for (const arm of arms) {
    lines.push(
      row([
        arm.simulcast ? 'on' : 'off',
        `${kbps(arm.downlinkBps.median)} kbit/s`,
        `${kbps(arm.downlinkBps.p95)} kbit/s`,
        arm.decodedFps.median.toFixed(1),
        arm.decodedFps.min.toFixed(1),
        arm.capturedFps.median.toFixed(1),
        arm.sentFpsOfReceivedLayer.median.toFixed(1),
        `${arm.receivedHeight.median.toFixed(0)} px`,
        arm.rendererCpuPercent.median.toFixed(0),
        arm.rendererCpuPercent.p95.toFixed(0),
        arm.browserCpuPercent.median.toFixed(0),
        arm.machineIdlePercent.median.toFixed(0),
        arm.machineIdlePercent.min.toFixed(0),
        arm.otherCpuPercent.median.toFixed(0),
        arm.encoderCpuLimitedPercent.max.toFixed(0),
        arm.janusCpuPercent.median.toFixed(0),
      ]),
    );
  }
  const layers = arms
    .map((arm) => `${arm.simulcast ? 'on' : 'off'}: ${arm.layers.map((l) => `${l.rid} ${l.frameHeight.median.toFixed(0)} px ${l.framesPerSecond.median.toFixed(1)} fps ${kbps(l.bitrateBps.median)} kbit/s`).join(', ')}`)
    .join('; ');
  const { setup } = bandwidth;
  lines.push('');
  lines.push(
    `${setup.pages} pages, a Chromium each, ${setup.camera.width}×${setup.camera.height} cameras at ${setup.camera.framesPerSecond} fps (a generated busy clip), no microphones, ` +
      `VIDEO_BITRATE_BPS ${setup.videoBitrateBps}; ${setup.roundsPerArm} rounds per arm, alternated; warm-up ${setup.warmUpMs / 1000} s, window ${setup.measureMs / 1000} s. ` +
      `Downlink: payload per page (video alone, as no page sends audio); medians and p95 over pages × rounds, frame rates over cameras × pages × rounds. ` +
      `CPU in % of one core; browser CPU is all of a page's Chromium processes; machine idle is all cores; other processes are those outside the benchmark (the machine is shared). Sent per camera (medians): ${layers}.`,
  );
  return lines;
}

function capacityTable(results: BenchResults): string[] {
  const capacity = results.capacity;
  if (!capacity) return [];
  const lines = [
    row(['N', 'streams forwarded', 'loss %', 'delay median', 'delay p95', 'Janus CPU %', 'server CPU %', 'server RSS MiB', 'load generator CPU %']),
    row(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const p of capacity.points) {
    const incomplete = p.subscriptionsReceiving < p.subscriptionsExpected ? ` (${p.subscriptionsReceiving}/${p.subscriptionsExpected} subscriptions)` : '';
    lines.push(
      row([
        p.participants,
        p.forwardedStreams,
        `${p.lossPercent.toFixed(2)}${incomplete}`,
        `${p.forwardingDelayMs.median.toFixed(1)} ms`,
        `${p.forwardingDelayMs.p95.toFixed(1)} ms`,
        p.janusCpuPercent.toFixed(0),
        p.serverCpuPercent.toFixed(0),
        mib(p.serverRssBytes),
        p.loadGeneratorCpuPercent.toFixed(0),
      ]),
    );
  }
  const { audio, video } = capacity.media;
  lines.push('');
  lines.push(
    `Each participant sends video at ${video.packetsPerSecond} packets/s × ${video.payloadBytes} B (${video.payloadBitrateBps / 1000} kbit/s payload) ` +
      `and audio at ${audio.packetsPerSecond} packets/s × ${audio.payloadBytes} B (${audio.payloadBitrateBps / 1000} kbit/s). ` +
      `CPU in % of one core; the load generator is this process, running every synthetic peer.`,
  );
  return lines;
}

export function formatTables(file: ResultFile): string {
  const { machine, versions } = file;
  const out = [
    `${machine.cpuModel}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB; load average ${machine.loadAverageAtStart.join(' / ')} at start, ${machine.loadAverageAtEnd.join(' / ')} at end`,
    `Node ${versions.node}, Janus ${versions.janus}, Chromium ${versions.chromium}, werift ${versions.werift}`,
    '',
    ...headlineTable(file.results),
  ];
  const capacity = capacityTable(file.results);
  if (capacity.length) out.push('', ...capacity);
  const bandwidth = bandwidthTable(file.results);
  if (bandwidth.length) out.push('', ...bandwidth);
  const failures = [...(file.results.join?.failures ?? []), ...(file.results.phone?.failures ?? []), ...(file.results.bandwidth?.failures ?? [])];
  if (failures.length) out.push('', `Failed runs (left out of the figures): ${failures.join('; ')}`);
  return out.join('\n');
}
