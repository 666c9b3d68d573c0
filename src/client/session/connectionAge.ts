/**
 * Whether a connection is past its start: up for a second at least. The
 * page's measures (statistics, audio levels) ask the browser's WebRTC
 * threads and wait for their answer; in a connection's first second those
 * threads are at their busiest (its handshake, its first frames), and the
 * measures would hold up the very media they measure.
 */
const START_MS = 1_000;
const firstConnectedAt = new WeakMap<RTCPeerConnection, number>();

export function pastItsStart(pc: RTCPeerConnection, nowMs = performance.now()): boolean {
  if (pc.connectionState === 'closed') return false;
  if (pc.connectionState === 'connected' && !firstConnectedAt.has(pc)) firstConnectedAt.set(pc, nowMs);
  const connectedAt = firstConnectedAt.get(pc);
  return connectedAt !== undefined && nowMs - connectedAt >= START_MS;
}
