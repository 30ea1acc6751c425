import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../errors/app-error.ts';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, including the cloud metadata address 169.254.169.254
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'metadata.goog']);

function isBlockedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  return blocked.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
const isAllowed = (host: string, allowHosts: readonly string[]) => allowHosts.some((h) => h.toLowerCase() === host);

/** What a parsed URL shows without a DNS look-up (see staticUrlProblem). */
function problemOf(url: URL, allowHosts: readonly string[]): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https are allowed';
  const host = hostOf(url);
  if (isAllowed(host, allowHosts)) return undefined;
  if (METADATA_HOSTS.has(host)) return 'cloud metadata endpoints are never called';
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is this machine (allow the host in WORKFLOW_WEBHOOK_ALLOW_HOSTS)`;
  if (isIP(host) && isBlockedAddress(host)) return `${host} is a non-public address (allow the host in WORKFLOW_WEBHOOK_ALLOW_HOSTS)`;
  return undefined;
}

/**
 * What can be said about a webhook URL without a DNS look-up: the scheme, a cloud metadata host, a
 * literal non-public address, `localhost` — undefined when nothing is wrong so far (a host name is
 * resolved and checked again when the call is made). Hosts in `allowHosts` pass (over http(s) only).
 */
export function staticUrlProblem(raw: string, allowHosts: readonly string[] = []): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a valid URL';
  }
  return problemOf(url, allowHosts);
}

/**
 * Refuse outbound calls to loopback, private, link-local, multicast and metadata addresses (every
 * address the host resolves to is checked) unless the host is explicitly allowed by config.
 */
export async function assertPublicUrl(raw: string, allowHosts: readonly string[] = [], resolve = lookup): Promise<URL> {
  const url = new URL(raw);
  const deny = (reason: string) => {
    throw new AppError('PERMISSION_DENIED', `Webhook URL ${url.host} refused: ${reason}`, { details: [{ path: 'config.url', reason }] });
  };
  const problem = problemOf(url, allowHosts);
  if (problem) deny(problem);
  const host = hostOf(url);
  if (isAllowed(host, allowHosts)) return url;
  const addresses = isIP(host) ? [host] : (await resolve(host, { all: true })).map((a) => a.address);
  for (const a of addresses) if (isBlockedAddress(a)) deny(`resolves to the non-public address ${a} (allow the host in WORKFLOW_WEBHOOK_ALLOW_HOSTS)`);
  return url;
}
