/**
 * Time-limited TURN credentials (the TURN REST API scheme that coturn checks
 * with `use-auth-secret`): the username is `<expiry unix time>:<participant>`
 * and the password is base64(HMAC-SHA1(shared secret, username)). The TURN
 * server needs only the shared secret; a leaked credential stops working
 * when it expires.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../protocol/messages.js';

export interface TurnSettings {
  urls: string[];
  secret: string;
  ttlSeconds: number;
}

export function turnCredential(secret: string, participantId: string, expiresAtS: number): { username: string; credential: string } {
  const username = `${expiresAtS}:${participantId}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** The TURN entry of one participant's ICE servers, valid for `ttlSeconds` from `nowMs`. */
export function turnIceServer(turn: TurnSettings, participantId: string, nowMs = Date.now()): IceServer {
  const expiresAtS = Math.floor(nowMs / 1000) + turn.ttlSeconds;
  return { urls: turn.urls, ...turnCredential(turn.secret, participantId, expiresAtS) };
}
