/** Telling the lab phone's new calls from those of earlier tests sharing the same lab. */
import assert from 'node:assert/strict';
import { waitFor } from '../meetingPage.js';
import type { AgentCall, SipLab } from './sipLab.js';

/** The Call-IDs of every call the phone has seen so far; take them before dialling. */
export const knownCalls = (lab: SipLab): Set<string> => new Set(lab.phone.calls().map((call) => call.callId));

/** The phone's next answered call: one that was not among `known` when the dial started. */
export async function nextAnsweredCall(lab: SipLab, known: Set<string>): Promise<AgentCall> {
  const found = await waitFor(
    async () => lab.phone.calls().find((call) => call.answered && call.state !== 'closed' && !known.has(call.callId)),
    (call) => call !== undefined,
    15_000,
  );
  assert.ok(found, 'the phone should answer a new call');
  return found;
}
