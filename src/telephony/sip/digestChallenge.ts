/**
 * Answering a trunk's digest challenge (401 or 407, RFC 3261 §22.2) to one
 * of our requests: the same request as a new transaction (the next CSeq,
 * same dialog and Route set) with our credentials. Shared by the calls we
 * place and the calls we answer, whose BYEs a strict trunk challenges too.
 */
import type { SipRequest, SipResponse } from 'sip';
import digest, { type DigestContext } from 'sip/digest.js';

export interface DigestCredentials {
  username: string;
  password: string;
}

/**
 * The request signed for the challenge in `response`; undefined when it is
 * no challenge, when there are no credentials, or when `request` carried
 * credentials already: a second challenge means they were refused, and
 * asking again would loop.
 */
export function answerToChallenge(request: SipRequest, response: SipResponse, credentials: DigestCredentials, nextCseq: () => number): SipRequest | undefined {
  if (response.status !== 401 && response.status !== 407) return undefined;
  if (!credentials.username || carriesCredentials(request)) return undefined;
  const signed: SipRequest = { ...request, headers: { ...request.headers, cseq: { seq: nextCseq(), method: request.method } } };
  digest.signRequest({} as DigestContext, signed, response, { user: credentials.username, password: credentials.password });
  return signed;
}

export function carriesCredentials(request: SipRequest): boolean {
  return request.headers['authorization'] !== undefined || request.headers['proxy-authorization'] !== undefined;
}
