/**
 * Every setting of the server, read from the environment and optionally a
 * JSON file named by CONVENE_CONFIG (same keys as the variables; the
 * environment wins). The README's configuration table mirrors this schema.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { invalidDialPatterns } from '../telephony/dialPolicy.js';
import { invalidTrunkSources } from '../telephony/dialIn/trunkSources.js';
import { portRange } from '../telephony/dialIn/rtpSocket.js';

const Flag = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');
const Seconds = z.coerce.number().positive();
const PerMinute = z.coerce.number().int().min(1);

/**
 * Which proxies may name the client in X-Forwarded-For, in the form Fastify's
 * `trustProxy` takes: none, any, or a comma-separated list of addresses and CIDRs.
 */
function trustedProxies(value: string): boolean | string {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'false') return false;
  return trimmed === 'true' ? true : trimmed;
}

const PortRange = z.string().regex(/^\d{1,5}-\d{1,5}$/, 'must look like 20000-40000');

/** One source of CSP's frame-ancestors: 'self', or an origin such as https://intranet.example.org or https://*.example.org:8443. */
const FrameAncestor = z.string().regex(/^(?:'self'|https?:\/\/(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?)$/, "must be 'none' alone, or 'self' and origins like https://intranet.example.org");
/** Who may show the page in a frame: a space-separated list, or 'none' alone. */
const FrameAncestors = z
  .string()
  .default("'self'")
  .transform((value) => value.trim().split(/\s+/))
  .pipe(z.union([z.tuple([z.literal("'none'")]), z.array(FrameAncestor).min(1)]));

export const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(5000),
  HOST: z.string().default('0.0.0.0'),
  RUN_DIR: z.string().default('.convene'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TOKEN_SECRET: z.string().min(32).optional(),
  TOKEN_TTL_S: Seconds.default(3600),
  RECONNECT_GRACE_S: Seconds.default(10),
  START_MUTED_AUDIO: Flag.default(false),
  ICE_SERVERS: z.string().default(''),
  ICE_TRANSPORT_POLICY: z.enum(['all', 'relay']).default('all'),
  TURN_URLS: z.string().default(''),
  TURN_SECRET: z.string().min(16).optional(),
  TURN_CREDENTIAL_TTL_S: Seconds.default(86_400),
  TLS_CERT_FILE: z.string().default(''),
  TLS_KEY_FILE: z.string().default(''),
  TLS_SELF_SIGNED: Flag.default(false),
  // Node timers hold at most 2^31 ms (24.8 days); a week is more than any meeting needs.
  SESSION_MAX_S: Seconds.max(7 * 24 * 3600).default(9 * 3600),
  JANUS_URLS: z.string().default(''),
  JANUS_API_SECRET: z.string().optional(),
  JANUS_BINARY: z.string().default('janus'),
  JANUS_RTP_PORT_RANGE: PortRange.default('20000-40000'),
  JANUS_ICE_ENFORCE_LIST: z.string().default(''),
  JANUS_NAT_PUBLIC_IP: z.string().default(''),
  JANUS_STUN_SERVER: z.string().default(''),
  JANUS_DEBUG_LEVEL: z.coerce.number().int().min(0).max(7).default(4),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must look like redis://host:6379').optional(),
  ROOM_NODE_CAPACITY: z.coerce.number().int().min(0).default(0),
  ROOM_MAX_PUBLISHERS: z.coerce.number().int().min(2).max(500).default(100),
  VIDEO_BITRATE_BPS: z.coerce.number().int().min(64_000).default(1_000_000),
  SIMULCAST: Flag.default(true),
  LAST_N: z.coerce.number().int().min(1).max(49).default(9),
  SIP_TRUNK_URI: z.string().default(''),
  SIP_USERNAME: z.string().default(''),
  SIP_PASSWORD: z.string().default(''),
  SIP_FROM_NUMBER: z.string().default(''),
  SIP_DIAL_NUMBER: z.string().default(''),
  SIP_ALLOWED_NUMBERS: z.string().default(''),
  SIP_CODEC: z.enum(['pcmu', 'pcma']).default('pcmu'),
  SIP_MEDIA_ADDRESS: z.string().default(''),
  SIP_BIND_ADDRESS: z.string().default('0.0.0.0'),
  SIP_PORT: z.coerce.number().int().min(0).max(65535).default(5060),
  SIP_PUBLIC_ADDRESS: z.string().default(''),
  SIP_RING_TIMEOUT_S: Seconds.default(45),
  SIP_DIAL_IN_NUMBERS: z.string().default(''),
  SIP_DIAL_IN_DISPLAY_NUMBER: z.string().max(40).default(''),
  SIP_DIAL_IN_FAILURES_PER_HOUR: z.coerce.number().int().min(1).default(10),
  SIP_TRUNK_SOURCES: z.string().default(''),
  SIP_RTP_PORT_RANGE: PortRange.optional(),
  CALLBACK_SECRET: z.string().min(16).optional(),
  ADMIN_SECRET: z.string().min(16).optional(),
  METRICS_SECRET: z.string().min(16).optional(),
  RATE_LIMIT_JOIN_PER_MIN: PerMinute.default(120),
  RATE_LIMIT_DIAL_PER_MIN: PerMinute.default(10),
  RATE_LIMIT_WS_MSG_PER_S: z.coerce.number().positive().default(50),
  RATE_LIMIT_WS_BURST: z.coerce.number().int().min(1).default(300),
  RATE_LIMIT_CHAT_PER_S: z.coerce.number().positive().default(2),
  RATE_LIMIT_CHAT_BURST: z.coerce.number().int().min(1).default(10),
  ROOM_MAX_PARTICIPANTS: z.coerce.number().int().min(1).default(100),
  FRAME_ANCESTORS: FrameAncestors,
  TRUST_PROXY: z.union([z.boolean(), z.string()]).default('').transform((value) => trustedProxies(String(value))),
});

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config extends RawConfig {
  /** External Janus nodes; empty means run the embedded one. */
  janusUrls: string[];
  iceServers: Array<{ urls: string }>;
  /** TURN servers that get time-limited credentials per participant; empty when there is no TURN. */
  turnUrls: string[];
  sipAllowedNumbers: string[];
  /** The numbers the trunk may call us on; empty: any it routes to us. */
  sipDialInNumbers: string[];
  /** Addresses and CIDR ranges the trunk calls us from; empty: the trunk's own address. */
  sipTrunkSources: string[];
}

function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    return z.record(z.string(), z.unknown()).parse(JSON.parse(readFileSync(resolve(path), 'utf8')));
  } catch (error) {
    throw new Error(`cannot read the config file ${path} (CONVENE_CONFIG): ${(error as Error).message}`);
  }
}

/** Parses the configuration, throwing one readable error that names every bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const keys = Object.keys(ConfigSchema.shape);
  const fromEnv = Object.fromEntries(keys.filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]));
  const parsed = ConfigSchema.safeParse({ ...readConfigFile(env['CONVENE_CONFIG']), ...fromEnv });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const raw = parsed.data;
  const sipAllowedNumbers = splitList(raw.SIP_ALLOWED_NUMBERS);
  const turnUrls = splitList(raw.TURN_URLS);
  if (turnUrls.length > 0 && !raw.TURN_SECRET) throw new Error('invalid configuration: TURN_URLS needs TURN_SECRET, the static-auth-secret of the TURN server');
  const anyTurn = turnUrls.length > 0 || splitList(raw.ICE_SERVERS).some((url) => /^turns?:/.test(url));
  if (raw.ICE_TRANSPORT_POLICY === 'relay' && !anyTurn) throw new Error('invalid configuration: ICE_TRANSPORT_POLICY=relay needs a TURN server (TURN_URLS)');
  if (Boolean(raw.TLS_CERT_FILE) !== Boolean(raw.TLS_KEY_FILE)) throw new Error('invalid configuration: TLS_CERT_FILE and TLS_KEY_FILE go together');
  if (raw.TLS_CERT_FILE && raw.TLS_SELF_SIGNED) throw new Error('invalid configuration: set either TLS_CERT_FILE/TLS_KEY_FILE or TLS_SELF_SIGNED, not both');
  const badPatterns = invalidDialPatterns([...sipAllowedNumbers, ...[raw.SIP_DIAL_NUMBER].filter(Boolean)]);
  if (badPatterns.length > 0) {
    throw new Error(`invalid configuration: SIP_DIAL_NUMBER and SIP_ALLOWED_NUMBERS take E.164 numbers (+15551234567) or prefixes ending in * (+1555*); not ${badPatterns.join(', ')}`);
  }
  const sipTrunkSources = splitList(raw.SIP_TRUNK_SOURCES);
  const badSources = invalidTrunkSources(sipTrunkSources);
  if (badSources.length > 0) throw new Error(`invalid configuration: SIP_TRUNK_SOURCES takes addresses or CIDR ranges (203.0.113.0/24); not ${badSources.join(', ')}`);
  for (const [name, range] of [['JANUS_RTP_PORT_RANGE', raw.JANUS_RTP_PORT_RANGE], ['SIP_RTP_PORT_RANGE', raw.SIP_RTP_PORT_RANGE]] as const) {
    if (range && !isOrderedRange(range)) throw new Error(`invalid configuration: ${name} must run from a lower port to a higher one, within 1024-65535 (not ${range})`);
  }
  return {
    sipAllowedNumbers,
    sipTrunkSources,
    sipDialInNumbers: splitList(raw.SIP_DIAL_IN_NUMBERS),
    ...raw,
    janusUrls: splitList(raw.JANUS_URLS),
    iceServers: splitList(raw.ICE_SERVERS).map((urls) => ({ urls })),
    turnUrls,
  };
}

function isOrderedRange(range: string): boolean {
  const { low, high } = portRange(range);
  return low >= 1024 && low <= high && high <= 65535;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
