/**
 * Renders the kamailio.cfg that makes kamailio behave like a provider's SIP
 * trunk: digest auth against one fixed account (no database), then a
 * per-number decision to forward to the lab phone or reject on the spot.
 * Like a strict provider, it can also demand credentials on the caller's
 * BYEs (`challengeBye`).
 *
 * Every INVITE that reaches a decision is logged as one `siplab-invite`
 * line on stderr, and every BYE as one `siplab-bye` line, so the harness
 * can tell a test what the trunk saw.
 */
import type { PhoneBehaviour } from './phoneBehaviour.js';

export type ChallengeKind =
  /** 407 with Proxy-Authenticate, as most trunks do for INVITE. */
  | 'proxy'
  /** 401 with WWW-Authenticate, which some trunks send instead. */
  | 'www';

export interface KamailioConfigInput {
  readonly sipPort: number;
  readonly realm: string;
  readonly username: string;
  readonly password: string;
  readonly challenge: ChallengeKind;
  /** Challenge BYEs from the caller's side as INVITEs are; BYEs from the phone are always relayed. */
  readonly challengeBye: boolean;
  readonly numbers: Readonly<Record<string, PhoneBehaviour>>;
  /** Where the phone listens, and the users of its answering and ringing accounts. */
  readonly phone: { readonly sipPort: number; readonly answerUser: string; readonly ringUser: string };
}

/** Marker that starts each INVITE log line; parsed by kamailioTrunk.ts. */
export const inviteLogMarker = 'siplab-invite';
/** Marker that starts each BYE log line; parsed by kamailioTrunk.ts. */
export const byeLogMarker = 'siplab-bye';

// Values are pasted into quoted cfg strings that kamailio also expands
// `$pv` in, so anything outside this set could change the script's meaning.
const safeValue = /^[A-Za-z0-9+._-]+$/;

function checked(label: string, value: string): string {
  if (!safeValue.test(value)) throw new Error(`kamailio config: ${label} ${JSON.stringify(value)} must match ${safeValue}`);
  return value;
}

/** Renders the xlog statement of one decision: its outcome and the code the trunk answered itself ('-' when it passed the request on). */
type DecisionLog = (outcome: string, code?: number) => string;

const logInvite: DecisionLog = (outcome, code) =>
  `xlog("L_NOTICE", "${inviteLogMarker} outcome=${outcome} code=${code ?? '-'} number=$rU authUser=$au callId=$ci\\n");`;

function byeLog(side: 'caller' | 'phone'): DecisionLog {
  return (outcome, code) =>
    `xlog("L_NOTICE", "${byeLogMarker} outcome=${outcome} code=${code ?? '-'} side=${side} authUser=$au callId=$ci\\n");`;
}

function numberBranch(input: KamailioConfigInput, number: string, behaviour: PhoneBehaviour): string {
  // A caller may dial the E.164 number with or without its leading '+'.
  const bare = checked('number', number).replace(/^\+/, '');
  const match = `$rU == "+${bare}" || $rU == "${bare}"`;
  const phone = `127.0.0.1:${input.phone.sipPort}`;
  switch (behaviour.kind) {
    case 'answer':
      return `if (${match}) { ${logInvite('forwarded')} $ru = "sip:${input.phone.answerUser}@${phone}"; route(RELAY); }`;
    case 'ringForever':
      return `if (${match}) { ${logInvite('forwarded')} $ru = "sip:${input.phone.ringUser}@${phone}"; route(RELAY); }`;
    case 'toServer':
      return `if (${match}) { ${logInvite('forwarded')} $ru = "sip:${bare}@127.0.0.1:${behaviour.sipPort}"; route(RELAY); }`;
    case 'reject': {
      const reason = behaviour.reason.replace(/[^A-Za-z0-9 ]/g, '');
      return `if (${match}) { ${logInvite('rejected', behaviour.code)} sl_send_reply("${behaviour.code}", "${reason}"); exit; }`;
    }
  }
}

/** A route that lets a request with this account's credentials return, and answers any other with a challenge or 403. */
function authRoute(input: KamailioConfigInput, name: string, log: DecisionLog): string {
  const realm = checked('realm', input.realm);
  const password = checked('password', input.password);
  const username = checked('username', input.username);
  const [check, challenge] =
    input.challenge === 'www' ? ['pv_www_authenticate', 'www_challenge'] : ['pv_proxy_authenticate', 'proxy_challenge'];
  // -2 is "wrong password": answer 403 rather than challenging again, so a
  // caller with bad credentials fails fast instead of looping.
  return `route[${name}] {
    ${check}("${realm}", "${password}", "0");
    $var(authResult) = $rc;
    if ($var(authResult) == 1) {
        if ($au != "${username}") { ${log('forbidden', 403)} sl_send_reply("403", "Forbidden"); exit; }
        consume_credentials();
        return;
    }
    if ($var(authResult) == -2) { ${log('forbidden', 403)} sl_send_reply("403", "Forbidden"); exit; }
    ${log('challenged', input.challenge === 'www' ? 401 : 407)}
    ${challenge}("${realm}", "1");
    exit;
}`;
}

/**
 * Decides an in-dialog BYE. Only the phone sits behind this trunk, and
 * baresip sends from the port it listens on, so a BYE from 127.0.0.1 at the
 * phone's SIP port is the phone's and anything else is the caller's. The
 * source is used rather than the From user because the trunk knows where it
 * sent calls, while the From user is whatever each side chose to put there.
 */
function byeRoute(input: KamailioConfigInput): string {
  const fromCaller = byeLog('caller');
  return `route[BYE] {
    # Absorbs retransmissions of BYEs that were already relayed.
    t_check_trans();
    if ($si == "127.0.0.1" && $sp == ${input.phone.sipPort}) { ${byeLog('phone')('relayed')} return; }
    ${input.challengeBye ? 'route(AUTH_BYE);' : '# BYEs from the caller are relayed without credentials.'}
    ${fromCaller('relayed')}
}

${input.challengeBye ? authRoute(input, 'AUTH_BYE', fromCaller) : ''}`;
}

export function renderKamailioConfig(input: KamailioConfigInput): string {
  const branches = Object.entries(input.numbers).map(([number, behaviour]) => numberBranch(input, number, behaviour));
  return `#!KAMAILIO
# Generated by test/support/telephony/kamailioConfig.ts for one test run.
debug=1
log_stderror=yes
children=2
disable_tcp=yes
disable_sctp=yes
enable_tls=no
auto_aliases=no
dns=no
rev_dns=no
dns_try_ipv6=no
use_dns_cache=off
listen=udp:127.0.0.1:${input.sipPort}
server_header="Server: sip-lab trunk"
user_agent_header="User-Agent: sip-lab trunk"

loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "auth.so"

request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (has_totag()) { route(IN_DIALOG); exit; }
    if (is_method("CANCEL") || is_method("ACK")) {
        if (t_check_trans()) { t_relay(); }
        exit;
    }
    # Absorbs retransmissions of INVITEs that are already being handled.
    t_check_trans();
    if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }
    if (!is_method("INVITE")) { sl_send_reply("405", "Method Not Allowed"); exit; }
    route(AUTH);
    ${branches.join('\n    ')}
    ${logInvite('unknownNumber', 404)}
    sl_send_reply("404", "Not Found");
    exit;
}

${authRoute(input, 'AUTH', logInvite)}

${byeRoute(input)}

route[RELAY] {
    # Stay in the path like a real trunk, so callers must honour Record-Route.
    record_route();
    if (!t_relay()) { sl_reply_error(); }
    exit;
}

route[IN_DIALOG] {
    if (is_method("BYE")) { route(BYE); }
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) {
        if (t_check_trans()) { t_relay(); }
        exit;
    }
    sl_send_reply("404", "Not Here");
    exit;
}
`;
}
