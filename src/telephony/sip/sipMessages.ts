/**
 * Reads datagrams from the network as SIP messages: the `sip` package
 * parses the text, then a schema checks the fields our dialogs rely on, so
 * a malformed or hostile message is dropped instead of reaching them.
 */
import sip, { type SipMessage } from 'sip';
import { z } from 'zod';

const Uri = z.union([z.string().max(1024), z.object({ host: z.string().max(256) }).passthrough()]);
const NameAddr = z.object({ uri: Uri, params: z.record(z.string(), z.unknown()) }).passthrough();

const Headers = z
  .object({
    via: z.array(z.object({ params: z.record(z.string(), z.unknown()) }).passthrough()).min(1),
    to: NameAddr,
    from: NameAddr,
    'call-id': z.string().min(1).max(256),
    cseq: z.object({ seq: z.number().int().nonnegative(), method: z.string().min(1).max(32) }),
    contact: z.array(NameAddr).optional(),
    'record-route': z.array(NameAddr).optional(),
  })
  .passthrough();

const Request = z.object({ method: z.string().regex(/^[A-Z]{2,16}$/), uri: z.string().max(1024), headers: Headers }).passthrough();
const Response = z.object({ status: z.number().int().min(100).max(699), reason: z.string().max(256), headers: Headers }).passthrough();

const MAX_DATAGRAM_BYTES = 65_507;

export function parseSipMessage(data: Buffer): SipMessage | undefined {
  if (data.length > MAX_DATAGRAM_BYTES) return undefined;
  let parsed: unknown;
  try {
    parsed = sip.parse(data);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const checked = 'method' in parsed ? Request.safeParse(parsed) : Response.safeParse(parsed);
  return checked.success ? (parsed as SipMessage) : undefined;
}
