import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/**
 * A CommonJS package loaded on first use instead of at import: `crm --help` and the stdio MCP
 * servers start without parsing libraries only a few code paths need (charts, SMTP, HTML, cron).
 */
export function lazyModule<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(name) as T);
}
