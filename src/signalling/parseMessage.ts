/** Reads one text frame from a page with a protocol schema: the value, or a reason that names the first thing wrong. */
import type { z } from 'zod';
import { ClientMessage } from '../protocol/messages.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseMessage<Schema extends z.ZodTypeAny>(schema: Schema, text: string | undefined): Parsed<z.infer<Schema>> {
  if (text === undefined) return { ok: false, reason: 'messages must be JSON text, not binary' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'message is not valid JSON' };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data as z.infer<Schema> };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid message' };
}

/** A request from a page that is in its room. */
export function parseClientMessage(text: string | undefined): Parsed<ClientMessage> {
  return parseMessage(ClientMessage, text);
}
