/**
 * The addresses a trunk sends calls from. Providers often use several (Twilio
 * and Telnyx list ranges per region): SIP_TRUNK_SOURCES names them as addresses
 * or CIDR ranges; unset, the trunk's own address (SIP_TRUNK_URI, resolved) is
 * the only one. Anyone else must not ring rooms without the provider knowing.
 */
import { BlockList, isIP } from 'node:net';

export type TrunkSources = (address: string) => boolean;

/** An address (`203.0.113.7`, `2001:db8::1`) or a CIDR range (`203.0.113.0/24`), else undefined. */
function parseSource(entry: string): { address: string; prefix?: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { address, family };
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  return prefix <= (version === 4 ? 32 : 128) ? { address, prefix, family } : undefined;
}

/** The entries that are neither an address nor a CIDR range (for the configuration's error). */
export function invalidTrunkSources(entries: string[]): string[] {
  return entries.filter((entry) => parseSource(entry) === undefined);
}

export function trunkSources(entries: string[], trunkAddress: string): TrunkSources {
  const list = new BlockList();
  for (const entry of entries.length > 0 ? entries : [trunkAddress]) {
    const source = parseSource(entry);
    if (!source) continue;
    if (source.prefix === undefined) list.addAddress(source.address, source.family);
    else list.addSubnet(source.address, source.prefix, source.family);
  }
  return (address) => {
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
}
