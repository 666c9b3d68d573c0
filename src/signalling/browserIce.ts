/**
 * What the welcome message tells pages about ICE: the configured STUN/TURN
 * servers, fresh TURN credentials for each participant, and whether to
 * use TURN only.
 */
import type { Config } from '../config/config.js';
import { turnIceServer } from '../auth/turnCredentials.js';
import type { SignallingOptions } from './SignallingConnection.js';

export function browserIce(config: Config): Pick<SignallingOptions, 'iceServersFor' | 'iceTransportPolicy'> {
  const secret = config.TURN_SECRET;
  const turn = config.turnUrls.length > 0 && secret ? { urls: config.turnUrls, secret, ttlSeconds: config.TURN_CREDENTIAL_TTL_S } : undefined;
  return {
    iceServersFor: (participantId) => (turn ? [...config.iceServers, turnIceServer(turn, participantId)] : config.iceServers),
    iceTransportPolicy: config.ICE_TRANSPORT_POLICY,
  };
}
