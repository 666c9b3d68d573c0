/**
 * The server settings (configuration overrides for `startTestServer`) that
 * point a test server's phone dial-out at a SIP lab's trunk.
 */
import type { SipLab } from './sipLab.js';

/** `password` defaults to the lab's own; pass another to see the trunk refuse it. */
export function telephonyOverrides(lab: SipLab, password = lab.trunk.password): Record<string, string> {
  return {
    SIP_TRUNK_URI: lab.trunk.uri,
    SIP_USERNAME: lab.trunk.username,
    SIP_PASSWORD: password,
    SIP_FROM_NUMBER: '+15550009999',
    SIP_DIAL_NUMBER: lab.numbers.answers,
    SIP_ALLOWED_NUMBERS: `${lab.numbers.answers},+1555000*`,
    SIP_BIND_ADDRESS: '127.0.0.1',
    SIP_PORT: '0',
    SIP_MEDIA_ADDRESS: '127.0.0.1',
    // One page dials a dozen calls a minute in these tests; the limit itself is tested in rateLimits.test.ts.
    RATE_LIMIT_DIAL_PER_MIN: '600',
  };
}
