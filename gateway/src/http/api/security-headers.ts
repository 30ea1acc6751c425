import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/** What helmet does to a response: headers it sets (in order) and ones it removes. */
export interface SecurityHeaders {
  set: [name: string, value: string][];
  removed: string[];
}

/**
 * helmet's default headers, computed once. Its defaults depend on neither the request nor the
 * response (no CSP nonces), so running its 13 middlewares for every request (and building the CSP
 * string each time) only repeats the same result; this records what it does against a stand-in
 * response, and `applySecurityHeaders` replays it.
 */
export function securityHeaders(options?: Parameters<typeof helmet>[0]): SecurityHeaders {
  const out: SecurityHeaders = { set: [], removed: [] };
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      out.set = out.set.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
      out.set.push([name, String(value)]);
      return res;
    },
    removeHeader(name: string) {
      out.set = out.set.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
      out.removed.push(name);
    },
    getHeader: () => undefined,
  };
  let failed: unknown;
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed;
  return out;
}

export function applySecurityHeaders(res: ServerResponse, headers: SecurityHeaders): void {
  for (const name of headers.removed) res.removeHeader(name);
  for (const [name, value] of headers.set) res.setHeader(name, value);
}
