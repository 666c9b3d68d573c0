/**
 * A signalling socket opened without `?token=` names its participant in its
 * first message (`authenticate`). Pages open their socket while their user
 * is still on the join form, so the handshake is done by the time they join;
 * a socket that does not authenticate in time is closed.
 */
import type { RawData, WebSocket } from 'ws';
import type { TokenIssuer } from '../auth/tokens.js';
import type { ParticipantGrant } from '../auth/tokens.js';
import { checkToken } from '../http/auth.js';
import { Authenticate, CloseCode } from '../protocol/messages.js';
import { parseMessage } from './parseMessage.js';

/** A message as it came off the socket. */
export interface RawMessage {
  data: RawData;
  isBinary: boolean;
}

/** The page's requests that follow `authenticate` at once (its camera's offer, …) wait while the token is checked; this many at most. */
const MAX_EARLY_MESSAGES = 32;

export interface Authenticated {
  grant: ParticipantGrant;
  /** What the page sent after `authenticate`, while its token was being checked, in order. */
  early: RawMessage[];
}

/** The grant of a socket's first message, or undefined when the socket was closed instead (for a bad or late token, or by the page). */
export function authenticateSocket(socket: WebSocket, tokens: TokenIssuer, timeoutMs: number): Promise<Authenticated | undefined> {
  return new Promise((resolve) => {
    const early: RawMessage[] = [];
    let checking = false;
    const finish = (result: Authenticated | undefined, close?: { code: number; reason: string }): void => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      socket.off('close', onClose);
      if (close) socket.close(close.code, close.reason);
      resolve(result);
    };
    const timer = setTimeout(
      () => finish(undefined, { code: CloseCode.unauthorized, reason: `authenticate within ${Math.round(timeoutMs / 1000)} s of connecting` }),
      timeoutMs,
    );
    const onClose = (): void => finish(undefined);
    const onMessage = (data: RawData, isBinary: boolean): void => {
      if (checking) {
        if (early.length < MAX_EARLY_MESSAGES) early.push({ data, isBinary });
        else finish(undefined, { code: CloseCode.protocolError, reason: 'too many messages before authentication' });
        return;
      }
      checking = true;
      const message = parseMessage(Authenticate, isBinary ? undefined : data.toString());
      if (!message.ok) return finish(undefined, { code: CloseCode.protocolError, reason: `the first message must authenticate: ${message.reason}` });
      void checkToken(tokens, message.value.token).then(
        (auth) => (auth.ok ? finish({ grant: auth.grant, early }) : finish(undefined, { code: CloseCode.unauthorized, reason: auth.reason })),
        () => finish(undefined, { code: CloseCode.serviceRestart, reason: 'cannot check the token now; reconnect' }),
      );
    };
    socket.on('message', onMessage);
    socket.on('close', onClose);
  });
}
