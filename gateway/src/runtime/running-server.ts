import fs from 'node:fs';
import path from 'node:path';
import type { CoreConfig } from '@crm/core';

/**
 * Written by the long-running owner of an embedded database (`crm start`, a stdio `crm mcp`) so
 * other `crm` processes connect through its socket instead of waiting for its lock.
 */
export interface RunningServer {
  pid: number;
  databaseUrl: string;
  httpUrl?: string;
  /** What owns it when it is not `crm start` (e.g. "crm mcp crm"). */
  command?: string;
}

function serverFile(config: CoreConfig): string {
  return path.join(config.database.dataDir, 'server.json');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readRunningServer(config: CoreConfig): RunningServer | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(serverFile(config), 'utf8')) as RunningServer;
    return info.pid !== process.pid && alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export function writeRunningServer(config: CoreConfig, info: RunningServer): () => void {
  const file = serverFile(config);
  fs.writeFileSync(file, JSON.stringify(info, null, 2), { mode: 0o600 });
  return () => {
    try {
      const cur = JSON.parse(fs.readFileSync(file, 'utf8')) as RunningServer;
      if (cur.pid === process.pid) fs.unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
}
