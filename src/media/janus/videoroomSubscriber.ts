/**
 * Typed requests of a multistream VideoRoom subscriber (janus_videoroom.c's
 * doc block, "subscriber" part, 1.1.2): one handle, one PeerConnection,
 * streams of many publishers added and removed by renegotiation, and each
 * stream's layer chosen with `configure`.
 */
import { z } from 'zod';
import type { JanusHandle } from './JanusHandle.js';
import { JanusError } from './janusErrors.js';
import type { Jsep, PluginReply } from './janusMessages.js';

/** One stream of the subscription, as Janus lists it in `attached` and `updated`. */
export const SubscribedStream = z
  .object({
    mid: z.string(),
    type: z.enum(['audio', 'video', 'data']),
    /** False for an m-line whose publisher stream is gone (kept for reuse). */
    active: z.boolean(),
    feed_id: z.number().optional(),
    feed_mid: z.string().optional(),
  })
  .passthrough();
export type SubscribedStream = z.infer<typeof SubscribedStream>;

const SubscriptionEvent = z
  .object({ videoroom: z.enum(['attached', 'updated', 'updating']), streams: z.array(SubscribedStream).optional() })
  .passthrough();

export interface SubscriptionUpdate {
  /** The whole subscription after the change, when Janus listed it. */
  streams: SubscribedStream[] | undefined;
  /** Janus's offer for the change; none when nothing changed for the SDP. */
  offer: Jsep | undefined;
  /** Janus waits for the answer to an offer of its own first, and sends the next one as an event after it ("updating"). */
  postponed: boolean;
}

/** What to add: a publisher's streams (all of them without `mid`), with the first layer to send. */
export interface StreamRequest {
  feed: number;
  mid?: string;
  send?: boolean;
  substream?: number;
  temporal?: number;
}

/** How one stream of the subscription is sent: paused or not, and which simulcast layer. */
export interface StreamSetting {
  mid: string;
  send: boolean;
  substream?: number;
  temporal?: number;
}

function readUpdate(reply: PluginReply, what: string): SubscriptionUpdate {
  const parsed = SubscriptionEvent.safeParse(reply.data);
  if (!parsed.success) throw new JanusError('refused', undefined, `unexpected VideoRoom ${what} reply: ${parsed.error.message}`);
  return { streams: parsed.data.streams, offer: reply.jsep?.type === 'offer' ? reply.jsep : undefined, postponed: parsed.data.videoroom === 'updating' };
}

/** An offer Janus sends on its own (an `updated` event with an SDP), or undefined for any other event. */
export function readOffer(event: PluginReply): SubscriptionUpdate | undefined {
  if (event.jsep?.type !== 'offer') return undefined;
  const parsed = SubscriptionEvent.safeParse(event.data);
  return parsed.success && parsed.data.videoroom !== 'updating' ? { streams: parsed.data.streams, offer: event.jsep, postponed: false } : undefined;
}

/**
 * Joins as a subscriber to the given streams; the subscription stays as it
 * is when a publisher leaves (`autoupdate: false`), since its streams are
 * removed by `updateSubscription` when the room says so.
 */
export async function joinSubscription(handle: JanusHandle, room: number, streams: StreamRequest[]): Promise<SubscriptionUpdate> {
  return readUpdate(await handle.message({ request: 'join', ptype: 'subscriber', room, autoupdate: false, streams }), 'subscriber join');
}

/** Adds and removes streams (removed by their mid in the subscription) in one renegotiation. */
export async function updateSubscription(handle: JanusHandle, change: { subscribe: StreamRequest[]; unsubscribe: string[] }): Promise<SubscriptionUpdate> {
  const body: Record<string, unknown> = { request: 'update' };
  if (change.subscribe.length > 0) body['subscribe'] = change.subscribe;
  if (change.unsubscribe.length > 0) body['unsubscribe'] = change.unsubscribe.map((mid) => ({ sub_mid: mid }));
  return readUpdate(await handle.message(body), 'subscription update');
}

/** Completes a negotiation with the browser's answer. */
export async function startSubscription(handle: JanusHandle, answer: Jsep): Promise<void> {
  await handle.message({ request: 'start' }, answer);
}

/** Pauses, resumes or changes the layer of streams, without renegotiation. */
export async function configureStreams(handle: JanusHandle, settings: StreamSetting[]): Promise<void> {
  await handle.message({ request: 'configure', streams: settings });
}

const SubstreamEvent = z.object({ videoroom: z.literal('event'), mid: z.string(), substream: z.number().int() }).passthrough();

/** The substream a stream of the subscription carries now, when the event says Janus switched it. */
export function readSubstreamSwitch(event: PluginReply): { mid: string; substream: number } | undefined {
  const parsed = SubstreamEvent.safeParse(event.data);
  return parsed.success ? { mid: parsed.data.mid, substream: parsed.data.substream } : undefined;
}

/** The publisher id a "No such feed (<id>)" refusal names: a feed that left while it was being added. */
export function missingFeedOf(error: unknown): number | undefined {
  if (!(error instanceof JanusError)) return undefined;
  const id = /No such feed \((\d+)\)/.exec(error.message)?.[1];
  return id === undefined ? undefined : Number(id);
}
