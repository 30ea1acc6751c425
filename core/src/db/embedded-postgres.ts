import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { AppError } from '../errors/app-error.ts';

export interface EmbeddedPostgres {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * PGlite (+ pgvector, pg_trgm) in a data folder, served over the Postgres wire protocol on
 * loopback so the ORM, pg pools and the checkpointer all speak to it like to a real server.
 * `dataDir: 'memory://'` gives a throwaway in-memory database (tests).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  maxConnections?: number;
}): Promise<EmbeddedPostgres> {
  const inMemory = options.dataDir.startsWith('memory://');
  if (!inMemory) fs.mkdirSync(options.dataDir, { recursive: true });
  let db: PGlite;
  try {
    db = await PGlite.create({
      dataDir: inMemory ? undefined : options.dataDir,
      extensions: { vector, pg_trgm },
    });
  } catch (err) {
    throw new AppError(
      'DATABASE_UNAVAILABLE',
      `Cannot open the embedded database in ${options.dataDir}: ${(err as Error).message}. ` +
        'Is another crm process using it? Stop it or set CRM_DATA_DIR to another folder.',
      { cause: err },
    );
  }
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 100,
  });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw new AppError('DATABASE_UNAVAILABLE', `Cannot listen for the embedded database on port ${options.port}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // The socket server does not expose its bound address in its public API.
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  const port = address.port;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir: options.dataDir,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
