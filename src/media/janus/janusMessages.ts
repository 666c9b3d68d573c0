/**
 * Shapes of what the Janus WebSocket API sends us. Everything read from
 * Janus is parsed with these before any other code looks at it.
 */
import { z } from 'zod';

export const Jsep = z.object({ type: z.enum(['offer', 'answer']), sdp: z.string() }).passthrough();
export type Jsep = z.infer<typeof Jsep>;

export const JanusIncoming = z
  .object({
    janus: z.string(),
    transaction: z.string().optional(),
    session_id: z.number().optional(),
    sender: z.number().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    error: z.object({ code: z.number(), reason: z.string() }).optional(),
    plugindata: z.object({ plugin: z.string(), data: z.record(z.string(), z.unknown()) }).optional(),
    jsep: Jsep.optional(),
    reason: z.string().optional(),
  })
  .passthrough();
export type JanusIncoming = z.infer<typeof JanusIncoming>;

export const CreatedId = z.object({ id: z.number() }).passthrough();

export const ServerInfo = z
  .object({
    janus: z.literal('server_info'),
    version: z.number(),
    version_string: z.string(),
    plugins: z.record(z.string(), z.unknown()),
  })
  .passthrough();
export type ServerInfo = z.infer<typeof ServerInfo>;

/** A plugin's reply or event: its data, and an SDP when it carries one. */
export interface PluginReply {
  data: Record<string, unknown>;
  jsep?: Jsep;
}

/** Session-level events Janus sends about a handle's PeerConnection. */
export type HandleEvent =
  | { kind: 'plugin'; reply: PluginReply }
  | { kind: 'webrtcup' }
  | { kind: 'hangup'; reason: string }
  | { kind: 'media'; mediaType: string; receiving: boolean }
  | { kind: 'detached' };
