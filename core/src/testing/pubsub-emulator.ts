import { spawn, spawnSync } from 'node:child_process';
import { freePort } from './free-port.ts';

export interface PubSubEmulator {
  /** host:port, the value of PUBSUB_EMULATOR_HOST */
  host: string;
  stop(): Promise<void>;
}

/** Whether Google's Pub/Sub emulator can be started here (gcloud with the pubsub-emulator component). */
export function pubSubEmulatorAvailable(): boolean {
  if (process.env.PUBSUB_EMULATOR_HOST) return true;
  const r = spawnSync('gcloud', ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 && /pubsub-emulator/.test(r.stdout);
}

/**
 * Google's real Pub/Sub emulator (`gcloud beta emulators pubsub start`, Java) on a free loopback
 * port, or the one PUBSUB_EMULATOR_HOST already names. Stopping kills its whole process group.
 */
export async function startPubSubEmulator(timeoutMs = 120_000): Promise<PubSubEmulator> {
  if (process.env.PUBSUB_EMULATOR_HOST) return { host: process.env.PUBSUB_EMULATOR_HOST, stop: async () => {} };
  const port = await freePort();
  const proc = spawn('gcloud', ['beta', 'emulators', 'pubsub', 'start', `--host-port=127.0.0.1:${port}`, '--quiet'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Pub/Sub emulator did not start in ${timeoutMs} ms: ${out.slice(-2000)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Server started')) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Pub/Sub emulator exited with ${code}: ${out.slice(-2000)}`));
    });
  });
  return {
    host: `127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      try {
        process.kill(-proc.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-proc.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
