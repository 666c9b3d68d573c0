/** Generated malformed and hostile HTTP requests: every route, method, body shape, content type, query and token, and what of their answers is harmless. */
import fc from 'fast-check';
import { brokenText, deeplyNested, hostileText, hostileValue, jsonText, pollutingJson, printable } from './hostileValues.js';

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

export interface Tokens {
  valid: string;
  expired: string;
  tampered: string;
  unsigned: string;
  foreign: string;
}

const ROUTES = ['/joinCall', '/idLookup', '/startPSTNCall', '/endPSTNCall', '/Callbacks/answer', '/endSession', '/ws', '/metrics'];

const paths = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...ROUTES) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...ROUTES), fc.constantFrom('/', '//', '/..', '%00', '.json', '%2F', ';x', '/x'))
      .map(([route, suffix]) => route + suffix),
  },
  { weight: 1, arbitrary: fc.constantFrom(...ROUTES).map((route) => route.toUpperCase()) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/.env', '/.git/config', '/package.json',
      '/src/server/main.ts', '/dist/server/main.js', '/%', '/%E0%A4%A', '/%ff', '//example.org', '/assets/../../package.json',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/healthz/x', '/readyz/..;/x', `/${'a'.repeat(4_000)}`,
    ),
  },
  { weight: 2, arbitrary: fc.webPath().filter((path) => path.length > 1 && path !== '/index.html' && !path.startsWith('/assets/')) },
);

export const queries = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.webQueryParameters().map((query) => `?${query}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '?id=%', '?id[]=x', '?id=a&id=b', '?__proto__[polluted]=1', '?constructor[prototype][polluted]=1', '?__proto__=x',
      `?callId=${'x'.repeat(5_000)}`, '?callId=%00%00%00%00%00%00%00%00', '?token=', '?%', '?&&&', '?id=%00', '?callId=',
      '?id=AAAAAAAAAAAAAAAA', '?callId=AAAAAAAAAAAA',
    ),
  },
  { weight: 1, arbitrary: printable(60).map((query) => `?${query}`) },
);

const methods = fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND');

const contentTypes = fc.oneof(
  fc.constantFrom(
    undefined, 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz', 'application/octet-stream', 'application/json; charset=utf-16', '*/*', 'application/jsonx',
  ),
  printable(30),
);

function authorizations(tokens: Tokens): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    fc.constantFrom(
      undefined, `Bearer ${tokens.valid}`, `Bearer ${tokens.expired}`, `Bearer ${tokens.tampered}`, `Bearer ${tokens.unsigned}`,
      `Bearer ${tokens.foreign}`, tokens.valid, 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', `Bearer ${'a'.repeat(5_000)}`,
      `Bearer ${tokens.valid}x`, `bearer ${tokens.valid}`,
    ),
    printable(60).map((value) => `Bearer ${value}`),
  );
}

const bodies = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: jsonText },
  { weight: 2, arbitrary: brokenText },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
  { weight: 1, arbitrary: fc.integer({ min: 16 * 1024, max: 64 * 1024 }).map((n) => JSON.stringify({ name: 'x'.repeat(n) })) },
);

export function httpRequests(tokens: Tokens): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: methods,
      path: paths,
      query: queries,
      contentType: contentTypes,
      authorization: authorizations(tokens),
      cookie: fc.option(fc.oneof(printable(60), fc.constant(tokens.tampered)).map((value) => `convene_token=${value}`), { nil: undefined }),
      body: bodies,
    })
    .map(({ method, path, query, contentType, authorization, cookie, body }) => {
      const headers: Record<string, string> = {};
      if (contentType !== undefined) headers['content-type'] = contentType;
      if (authorization !== undefined) headers['authorization'] = authorization;
      if (cookie !== undefined) headers['cookie'] = cookie;
      return { method, path: path + query, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body };
    })
    .filter((candidate) => !isWellFormedJoin(candidate));
}

/** A join with a valid body is not hostile: it would simply be answered with a participant. */
function isWellFormedJoin(candidate: FuzzRequest): boolean {
  if (candidate.method !== 'POST' || !candidate.path.startsWith('/joinCall') || typeof candidate.body !== 'string') return false;
  try {
    const value: unknown = JSON.parse(candidate.body);
    return typeof value === 'object' && value !== null && ('name' in value || 'caller' in value);
  } catch {
    return false;
  }
}

/**
 * The answers that are no failure: the meeting page itself (a path like
 * `/joinCall/..` is `/`), and hanging up the (no) calls of the fuzzing
 * participant's room.
 */
export function isHarmlessSuccess(candidate: FuzzRequest, status: number, contentType: string, text: string): boolean {
  if (status !== 200) return false;
  if ((candidate.method === 'GET' || candidate.method === 'HEAD') && contentType.startsWith('text/html')) return true;
  return candidate.path.startsWith('/endPSTNCall') && text === '{"status":"hungup","callIds":[]}';
}

export const STACK_TRACE = /\n\s+at |node_modules|\.ts:\d|\.js:\d/;
