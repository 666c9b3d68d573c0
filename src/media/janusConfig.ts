/**
 * Renders the private configuration of an embedded Janus: only the plugins
 * and transport we use, the WebSocket API on loopback behind an API secret,
 * the Admin API (for inspecting sessions and handles) on loopback behind an
 * admin secret, and a bounded RTP port range.
 */

export interface EmbeddedJanusSettings {
  wsPort: number;
  apiSecret: string;
  adminWsPort: number;
  adminSecret: string;
  rtpPortRange: string;
  /** Interfaces or addresses ICE may gather on; empty lets Janus choose. */
  iceEnforceList: string;
  /** Public address for NAT 1:1 setups; empty when Janus's own addresses are reachable. */
  natPublicIp: string;
  stunServer: string;
  debugLevel: number;
}

/** Plugins Convene drives; every other plugin the package ships stays unloaded. */
const ENABLED_PLUGINS = ['videoroom', 'audiobridge', 'nosip'] as const;
const SHIPPED_PLUGINS = [
  'audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay',
  'sip', 'streaming', 'textroom', 'videocall', 'videoroom', 'voicemail',
];
const UNUSED_TRANSPORTS = ['http', 'mqtt', 'nanomsg', 'pfunix', 'rabbitmq'];

function quoted(value: string): string {
  return JSON.stringify(value);
}

function library(kind: string): string {
  return `libjanus_${kind}.so`;
}

export function renderJanusConfig(settings: EmbeddedJanusSettings, configDir: string): Map<string, string> {
  const disabledPlugins = SHIPPED_PLUGINS.filter((name) => !(ENABLED_PLUGINS as readonly string[]).includes(name));
  const [stunHost, stunPort] = settings.stunServer.split(':');
  const nat = [
    'ignore_mdns = true',
    settings.iceEnforceList ? `ice_enforce_list = ${quoted(settings.iceEnforceList)}` : 'ice_ignore_list = "vmnet"',
    settings.natPublicIp ? `nat_1_1_mapping = ${quoted(settings.natPublicIp)}` : '',
    stunHost ? `stun_server = ${quoted(stunHost)}\n\tstun_port = ${Number(stunPort ?? 3478)}` : '',
  ].filter(Boolean);

  const files = new Map<string, string>();
  files.set(
    'janus.jcfg',
    `general: {
\tconfigs_folder = ${quoted(configDir)}
\tdebug_level = ${settings.debugLevel}
\tapi_secret = ${quoted(settings.apiSecret)}
\tadmin_secret = ${quoted(settings.adminSecret)}
\tsession_timeout = 60
\tserver_name = "convene-embedded"
}
media: {
\tipv6 = false
\trtp_port_range = ${quoted(settings.rtpPortRange)}
}
nat: {
\t${nat.join('\n\t')}
}
plugins: {
\tdisable = ${quoted(disabledPlugins.map(library).join(','))}
}
transports: {
\tdisable = ${quoted(UNUSED_TRANSPORTS.map(library).join(','))}
}
events: {
\tbroadcast = false
}
loggers: {
\tdisable = "libjanus_jsonlog.so"
}
`,
  );
  files.set(
    'janus.transport.websockets.jcfg',
    `general: {
\tjson = "plain"
\tws = true
\tws_port = ${settings.wsPort}
\tws_ip = "127.0.0.1"
\twss = false
}
admin: {
\tadmin_ws = true
\tadmin_ws_port = ${settings.adminWsPort}
\tadmin_ws_ip = "127.0.0.1"
\tadmin_wss = false
}
`,
  );
  for (const plugin of ENABLED_PLUGINS) files.set(`janus.plugin.${plugin}.jcfg`, 'general: {\n}\n');
  // Phone legs are plain RTP from the AudioBridge: keep them in the range the firewall opens for media.
  files.set('janus.plugin.audiobridge.jcfg', `general: {\n\trtp_port_range = ${quoted(settings.rtpPortRange)}\n}\n`);
  return files;
}
