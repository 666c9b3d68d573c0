/**
 * Wires the server together from its configuration: the Janus nodes (our
 * embedded one unless JANUS_URLS names external ones), the room directory
 * (Redis when REDIS_URL is set), the rooms, tokens and the HTTP server. `main.ts` calls it; so do the tests.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { EmbeddedJanus } from '../media/EmbeddedJanus.js';
import { JanusPool } from '../media/JanusPool.js';
import type { RoomDirectory } from '../cluster/RoomDirectory.js';
import { MemoryRoomDirectory } from '../cluster/MemoryRoomDirectory.js';
import { RedisRoomDirectory } from '../cluster/RedisRoomDirectory.js';
import { MediaPlacement } from '../cluster/MediaPlacement.js';
import { RoomRegistry } from '../rooms/RoomRegistry.js';
import { TokenIssuer } from '../auth/tokens.js';
import { Telephony, type TelephonySettings } from '../telephony/Telephony.js';
import { DialIn } from '../telephony/dialIn/DialIn.js';
import { Prompts } from '../telephony/dialIn/prompts.js';
import { portRange } from '../telephony/dialIn/rtpSocket.js';
import { RoomAccess } from '../http/RoomAccess.js';
import { buildApp } from './app.js';
import { limitsFromConfig } from '../config/limits.js';
import { statsOf } from '../metrics/serverStats.js';
import { ServerMetrics } from '../metrics/ServerMetrics.js';
import { FailureLog } from '../support/failures.js';
import { waitLoudly } from '../support/progress.js';
import { loadTls } from './tls.js';
import { browserIce } from '../signalling/browserIce.js';
import { makePrivateDir } from '../support/privateFiles.js';

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  rooms: RoomRegistry;
  janusPool: JanusPool;
  embeddedJanus: EmbeddedJanus | undefined;
  telephony: Telephony | undefined;
  close(): Promise<void>;
}

const INVITATION_TTL_MS = 120_000;
const SIGNALLING_BUFFER_LIMIT_BYTES = 4 * 1024 * 1024;

/** How long the server waits for Redis at start before it gives up. */
const REDIS_START_TIMEOUT_MS = 15_000;

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const runDir = resolve(config.RUN_DIR);
  // It holds the token key, the embedded Janus's secrets and the TLS key.
  await makePrivateDir(runDir);
  const metrics = new ServerMetrics();
  const failures = new FailureLog(logger, (code) => metrics.countError('internal', code));
  // Telephony first: a bad trunk setting should fail before Janus is started.
  const telephony = config.SIP_TRUNK_URI ? await Telephony.start(telephonySettings(config), failures) : undefined;
  try {
    return await startWithTelephony(config, { logger, failures, metrics }, runDir, telephony);
  } catch (error) {
    telephony?.close();
    throw error;
  }
}

interface Observability {
  logger: Logger;
  failures: FailureLog;
  metrics: ServerMetrics;
}

function telephonySettings(config: Config): TelephonySettings {
  return {
    trunkUri: config.SIP_TRUNK_URI,
    username: config.SIP_USERNAME,
    password: config.SIP_PASSWORD,
    fromNumber: config.SIP_FROM_NUMBER || 'convene',
    dialNumber: config.SIP_DIAL_NUMBER,
    allowedNumbers: config.sipAllowedNumbers,
    codec: config.SIP_CODEC,
    mediaAddress: config.SIP_MEDIA_ADDRESS,
    bindAddress: config.SIP_BIND_ADDRESS,
    port: config.SIP_PORT,
    publicAddress: config.SIP_PUBLIC_ADDRESS,
    ringTimeoutMs: config.SIP_RING_TIMEOUT_S * 1000,
  };
}

async function startWithTelephony(config: Config, observability: Observability, runDir: string, telephony: Telephony | undefined): Promise<RunningServer> {
  const { logger, failures } = observability;
  const embeddedJanus =
    config.janusUrls.length === 0
      ? await EmbeddedJanus.start({
          binary: config.JANUS_BINARY,
          runDir,
          rtpPortRange: config.JANUS_RTP_PORT_RANGE,
          iceEnforceList: config.JANUS_ICE_ENFORCE_LIST,
          natPublicIp: config.JANUS_NAT_PUBLIC_IP,
          stunServer: config.JANUS_STUN_SERVER,
          debugLevel: config.JANUS_DEBUG_LEVEL,
          logger,
        })
      : undefined;
  const janusUrls = embeddedJanus ? [embeddedJanus.url] : config.janusUrls;
  const pool = new JanusPool(janusUrls, embeddedJanus?.apiSecret ?? config.JANUS_API_SECRET, logger);
  let directory: RoomDirectory | undefined;
  try {
    await pool.start();
    directory = config.REDIS_URL
      ? await waitLoudly(logger, 'Redis (REDIS_URL)', REDIS_START_TIMEOUT_MS, RedisRoomDirectory.connect(config.REDIS_URL, failures, REDIS_START_TIMEOUT_MS))
      : new MemoryRoomDirectory();
    return await startHttp(config, observability, runDir, { telephony, pool, directory, embeddedJanus });
  } catch (error) {
    await directory?.close();
    pool.stop();
    await embeddedJanus?.stop();
    throw error;
  }
}

interface Services {
  telephony: Telephony | undefined;
  pool: JanusPool;
  directory: RoomDirectory;
  embeddedJanus: EmbeddedJanus | undefined;
}

async function startHttp(config: Config, observability: Observability, runDir: string, services: Services): Promise<RunningServer> {
  const { telephony, pool, directory, embeddedJanus } = services;
  const { logger, failures, metrics } = observability;
  const prompts = telephony ? await dialInPrompts(runDir, logger) : undefined;
  const rooms = new RoomRegistry({
    pool,
    directory,
    placement: new MediaPlacement(pool, directory, config.ROOM_NODE_CAPACITY),
    settings: {
      reconnectGraceMs: config.RECONNECT_GRACE_S * 1000,
      invitationTtlMs: INVITATION_TTL_MS,
      tokenTtlSeconds: config.TOKEN_TTL_S,
      maxPublishers: config.ROOM_MAX_PUBLISHERS,
      bitrateBps: config.VIDEO_BITRATE_BPS,
      maxDurationMs: config.SESSION_MAX_S * 1000,
      dialInNumber: prompts ? config.SIP_DIAL_IN_DISPLAY_NUMBER || config.sipDialInNumbers[0] || '' : '',
    },
    failures,
  });
  const dialIn =
    telephony && prompts
      ? new DialIn(
          {
            numbers: config.sipDialInNumbers,
            bindAddress: config.SIP_BIND_ADDRESS,
            rtpPorts: config.SIP_RTP_PORT_RANGE ? portRange(config.SIP_RTP_PORT_RANGE) : undefined,
            trunkSources: config.sipTrunkSources,
            mediaAddress: config.SIP_MEDIA_ADDRESS,
            failuresPerHour: config.SIP_DIAL_IN_FAILURES_PER_HOUR,
          },
          { line: telephony.line, rooms, access: new RoomAccess(rooms, config.ROOM_MAX_PARTICIPANTS), prompts, metrics: metrics.dialIn, failures: failures.child({ component: 'dial-in' }) },
        )
      : undefined;
  const tokens = await TokenIssuer.create(config.TOKEN_SECRET, runDir, config.TOKEN_TTL_S, (participantId) => directory.isRevoked(participantId));
  const app = await buildApp({
    rooms,
    tokens,
    tokenTtlSeconds: config.TOKEN_TTL_S,
    startMutedAudio: config.START_MUTED_AUDIO,
    signalling: {
      ...browserIce(config),
      video: { simulcast: config.SIMULCAST, maxBitrateBps: config.VIDEO_BITRATE_BPS, lastN: config.LAST_N },
      maxBufferedBytes: SIGNALLING_BUFFER_LIMIT_BYTES,
    },
    logger,
    isReady: () => pool.isUp,
    telephony,
    callbackSecret: config.CALLBACK_SECRET,
    adminSecret: config.ADMIN_SECRET,
    limits: limitsFromConfig(config),
    metricsSecret: config.METRICS_SECRET,
    metrics,
    stats: statsOf(rooms, pool.all),
    frameAncestors: config.FRAME_ANCESTORS,
    tls: await loadTls(config, runDir, logger),
  });
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  logger.info({ address }, 'Convene is listening');

  return {
    url: address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost'),
    app,
    rooms,
    janusPool: pool,
    embeddedJanus,
    telephony,
    async close() {
      await rooms.shutdown();
      dialIn?.close();
      telephony?.close();
      await app.close();
      await directory.close();
      pool.stop();
      await embeddedJanus?.stop();
    },
  };
}

/** The dial-in prompts, made at first start; without espeak-ng or sox the server takes no incoming calls, and says why. */
async function dialInPrompts(runDir: string, logger: Logger): Promise<Prompts | undefined> {
  try {
    return await Prompts.prepare(runDir);
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'cannot make the dial-in prompts (are espeak-ng and sox installed?): incoming calls are refused');
    return undefined;
  }
}
