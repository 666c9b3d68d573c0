/**
 * The root logger: JSON lines on stdout, one child per component carrying
 * its context. Whoever reads the logs must not be able to act as anyone:
 * secrets in request URLs and headers are redacted here, at every level, so
 * every child logger inherits it.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export const REDACTED = '[redacted]';

/** Headers that carry a participant token, an operator secret or a session cookie. */
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

/** Query parameters whose value is a credential, by name: `/ws?token=…`, and any `secret`, `password`, `key`. */
const SECRET_QUERY_VALUE = /([?&][^=&#\s]*(?:token|secret|password|key|credential)[^=&#\s]*=)[^&#\s"]*/gi;

/** `text` with the values of secret-named query parameters replaced, wherever a URL sits in it. */
export function withoutQuerySecrets(text: string): string {
  return text.replace(SECRET_QUERY_VALUE, `$1${REDACTED}`);
}

/** `text` with each of these known secret values replaced (empty ones are ignored). */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  return secrets.reduce((redacted, secret) => (secret ? redacted.replaceAll(secret, REDACTED) : redacted), text);
}

/** The parts of a Fastify request that its log lines show. */
interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** What Fastify's own serializer logs of a request, with the URL's secrets removed. */
function requestSummary(request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : withoutQuerySecrets(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'convene' },
      serializers: { req: requestSummary },
      redact: { paths: SECRET_HEADERS.flatMap((name) => [`headers["${name}"]`, `*.headers["${name}"]`]), censor: REDACTED },
      hooks: {
        // A URL can also reach a message's text (Fastify names it in some warnings).
        logMethod(args, method) {
          const scrubbed = args.map((arg: unknown) => (typeof arg === 'string' ? withoutQuerySecrets(arg) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
