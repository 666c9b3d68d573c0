/** What the metrics count in a room, and over all the rooms of this server. */
import { CallState } from '../protocol/messages.js';

export interface RoomStats {
  /** People and phones the room shows (reservations not yet connected are not counted). */
  participants: number;
  /** Feeds (cameras, screenshares, answered phones) others can receive. */
  publishers: number;
  /** Remote feeds that pages receive, one per receiving connection. */
  subscriptions: number;
  callsByState: Record<CallState, number>;
}

export interface RegistryStats extends RoomStats {
  rooms: number;
}

export function noCalls(): Record<CallState, number> {
  return Object.fromEntries(CallState.options.map((state) => [state, 0])) as Record<CallState, number>;
}

export function totalStats(rooms: RoomStats[]): RegistryStats {
  const total: RegistryStats = { rooms: rooms.length, participants: 0, publishers: 0, subscriptions: 0, callsByState: noCalls() };
  for (const room of rooms) {
    total.participants += room.participants;
    total.publishers += room.publishers;
    total.subscriptions += room.subscriptions;
    for (const state of CallState.options) total.callsByState[state] += room.callsByState[state];
  }
  return total;
}
