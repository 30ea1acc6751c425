import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { vi } from 'vitest';

/** The `mcp-remote` executable (the stdio↔remote bridge Claude Desktop and Cursor launch with `npx mcp-remote <url>`). */
export const MCP_REMOTE_BIN = createRequire(import.meta.url).resolve('mcp-remote/dist/proxy.js');

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Long enough for a loaded 2-core machine; these are limits, never assertions about speed. */
const WAIT_MS = 240_000;

export { freePort } from '@crm/core/testing';

/** One running `mcp-remote`, spoken to over its stdio by the MCP SDK's client (as a desktop host does). */
export interface RemoteRun {
  client: Client;
  transport: StdioClientTransport;
  /** Resolves once the MCP handshake went through the bridge (after any sign-in). */
  connected: Promise<void>;
  /** Everything the bridge wrote to stderr so far (its log). */
  log: () => string;
}

/**
 * `mcp-remote` with its own config dir (tokens, client registration) and callback port, and a
 * "browser": `open` runs the system `xdg-open`, which with no display runs `$BROWSER <url>`; ours
 * appends the URL to a file, so the test sees exactly what a browser would have been given.
 */
export class McpRemoteHarness {
  readonly configDir: string;
  private readonly urlFile: string;
  private readonly browser: string;
  private readonly runs: RemoteRun[] = [];

  constructor(
    readonly dir: string,
    readonly serverUrl: string,
    readonly callbackPort: number,
    /** More mcp-remote flags, as a user would put them in the host's config. */
    private readonly extraArgs: string[] = [],
  ) {
    this.configDir = path.join(dir, 'mcp-auth');
    this.urlFile = path.join(dir, 'opened-urls.txt');
    this.browser = path.join(dir, 'browser.sh');
    fs.mkdirSync(this.configDir, { recursive: true });
    fs.writeFileSync(this.browser, '#!/bin/sh\nprintf "%s\\n" "$1" >> "$AUTH_URL_FILE"\n', { mode: 0o755 });
  }

  /** Start a bridge and begin the MCP handshake through it (it signs in first if it has no usable tokens). */
  start(): RemoteRun {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MCP_REMOTE_BIN, this.serverUrl, String(this.callbackPort), '--allow-http', '--auth-timeout', '600', '--debug', ...this.extraArgs],
      // no DISPLAY: xdg-open falls back to $BROWSER
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.dir, MCP_REMOTE_CONFIG_DIR: this.configDir, BROWSER: this.browser, AUTH_URL_FILE: this.urlFile },
      stderr: 'pipe',
    });
    let log = '';
    transport.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const client = new Client({ name: 'mcp-remote-e2e', version: '1.0.0' });
    const connected = client.connect(transport, { timeout: WAIT_MS });
    connected.catch(() => {}); // awaited by the test; a failure must not be an unhandled rejection meanwhile
    const run = { client, transport, connected, log: () => log };
    this.runs.push(run);
    return run;
  }

  /** The URLs the bridge opened in the "browser", oldest first. */
  openedUrls(): string[] {
    return fs.existsSync(this.urlFile) ? fs.readFileSync(this.urlFile, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Wait until the bridge opens its (count+1)-th URL, and return it. */
  async nextOpenedUrl(count: number, run?: RemoteRun): Promise<URL> {
    return vi.waitFor(
      () => {
        const urls = this.openedUrls();
        if (urls.length <= count) throw new Error(`mcp-remote opened no browser yet; its log:\n${run?.log().slice(-4000) ?? ''}`);
        return new URL(urls[count]!);
      },
      { timeout: WAIT_MS, interval: 100 },
    );
  }

  /** What mcp-remote stored for this server (`<hash>_tokens.json`, `<hash>_client_info.json`). */
  stored(kind: 'tokens' | 'client_info'): Record<string, unknown> | undefined {
    const dir = path.join(this.configDir, 'mcp-remote-v1');
    const file = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.endsWith(`_${kind}.json`)) : undefined;
    return file ? (JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>) : undefined;
  }

  /**
   * The MCP Inspector's CLI mode (`npx @modelcontextprotocol/inspector --cli`) with this bridge as
   * its stdio server: 0.15 (the last for Node 20) has no OAuth of its own, so this is how it reaches
   * an OAuth-protected server — on the tokens mcp-remote stored. Its parsed JSON output.
   */
  async inspectorCli(methodArgs: string[]): Promise<unknown> {
    const args = ['--no', '--', '@modelcontextprotocol/inspector', '--cli', process.execPath, MCP_REMOTE_BIN, this.serverUrl, String(this.callbackPort), '--allow-http', ...methodArgs];
    // the inspector hands its own environment to the stdio server it starts
    const proc = spawn('npx', args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.dir, MCP_REMOTE_CONFIG_DIR: this.configDir, BROWSER: this.browser, AUTH_URL_FILE: this.urlFile }, detached: true });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      // a limit for a hung run (its whole process group: inspector, bridge), not a speed assertion
      const timer = setTimeout(() => killIfAlive(-proc.pid!), WAIT_MS);
      proc.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code !== 0) throw new Error(`inspector exited with ${code}: ${stderr}${stdout}`);
    return JSON.parse(stdout);
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.runs.map((r) => r.client.close().catch(() => {})));
    for (const r of this.runs) if (r.transport.pid) killIfAlive(r.transport.pid);
  }
}

function killIfAlive(pid: number) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The consent page as a browser shows it: its hidden fields and the CSRF cookie it set. */
export interface ConsentPage {
  status: number;
  html: string;
  fields: Record<string, string>;
  cookie: string;
}

function pageOf(status: number, html: string, setCookie: string | null, previousCookie = ''): ConsentPage {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1]!] = m[2]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return { status, html, fields, cookie: setCookie ? setCookie.split(';')[0]! : previousCookie };
}

/** The person at the browser: open the authorization URL the bridge opened. */
export async function openConsent(url: URL): Promise<ConsentPage> {
  const res = await fetch(url, { redirect: 'manual' });
  return pageOf(res.status, await res.text(), res.headers.get('set-cookie'));
}

/** Submit the page's form with email + password; a 303 names the client's callback, anything else is the page again. */
export async function submitConsent(page: ConsentPage, action: URL, who: { email: string; password: string; decision?: 'allow' | 'deny' }): Promise<{ status: number; location: string | null; page: ConsentPage }> {
  const form = new URLSearchParams({ ...page.fields, email: who.email, password: who.password, decision: who.decision ?? 'allow' });
  const res = await fetch(new URL('/oauth/authorize', action), { method: 'POST', body: form, headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), page: pageOf(res.status, await res.text(), res.headers.get('set-cookie'), page.cookie) };
}

/** Follow the redirect to the bridge's loopback callback, as the browser would; its page's text. */
export async function followToCallback(location: string): Promise<{ status: number; text: string }> {
  const res = await fetch(location, { redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}
