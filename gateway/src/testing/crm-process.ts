import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `crm` executable the tests spawn (the compiled CLI, as users run it). */
export const CRM_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

export interface CrmProcess {
  proc: ChildProcess;
  /** The HTTP gateway's base URL from the start banner. */
  url: string;
  /** Everything the process printed up to and including the banner. */
  out: string;
}

/**
 * Spawn `crm <args>` (default `start --port 0 --no-seed`) and resolve once it prints its banner
 * ("Press Ctrl+C"); rejects with what it printed when it exits first or does not come up in time.
 */
export function startCrm(env: NodeJS.ProcessEnv, options: { args?: string[]; timeoutMs?: number; started?: (proc: ChildProcess) => void } = {}): Promise<CrmProcess> {
  const args = options.args ?? ['start', '--port', '0', '--no-seed'];
  return new Promise<CrmProcess>((resolve, reject) => {
    const proc = spawn(process.execPath, [CRM_BIN, ...args], { env });
    options.started?.(proc);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`crm ${args.join(' ')} did not come up: ${out}`)), options.timeoutMs ?? 180_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /HTTP gateway\s+(\S+)/.exec(out)?.[1];
      if (url && out.includes('Press Ctrl+C')) {
        clearTimeout(timer);
        resolve({ proc, url, out });
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`crm ${args.join(' ')} exited ${code} before its banner: ${out}`));
    });
  });
}

/** Stop a spawned `crm` (SIGINT by default) and wait for it to exit. */
export function stopCrm(proc: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  return new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}
