/**
 * The limits that keep one client, one room or one page from taking more
 * than its share, as the HTTP API and the signalling WebSocket apply them.
 */
import type { Config } from './config.js';

export interface Limits {
  /** `/joinCall` requests per minute, counted per client address and, separately, per room. */
  joinsPerMinute: number;
  /** `/startPSTNCall` requests per minute, counted per client address and, separately, per room. */
  dialsPerMinute: number;
  /** Messages a page may send over its WebSocket: a steady rate, and a burst on top of it. */
  wsMessagesPerSecond: number;
  wsMessageBurst: number;
  /** Chat messages and reactions a page may send (within its messages): a steady rate, and a burst on top of it. */
  chatMessagesPerSecond: number;
  chatMessageBurst: number;
  /** People and phones in one room, reservations included. */
  roomMaxParticipants: number;
  /** Which proxies may name the client address (X-Forwarded-For), in Fastify's `trustProxy` form. */
  trustProxy: boolean | string;
}

export function limitsFromConfig(config: Config): Limits {
  return {
    joinsPerMinute: config.RATE_LIMIT_JOIN_PER_MIN,
    dialsPerMinute: config.RATE_LIMIT_DIAL_PER_MIN,
    wsMessagesPerSecond: config.RATE_LIMIT_WS_MSG_PER_S,
    wsMessageBurst: config.RATE_LIMIT_WS_BURST,
    chatMessagesPerSecond: config.RATE_LIMIT_CHAT_PER_S,
    chatMessageBurst: config.RATE_LIMIT_CHAT_BURST,
    roomMaxParticipants: config.ROOM_MAX_PARTICIPANTS,
    trustProxy: config.TRUST_PROXY,
  };
}
