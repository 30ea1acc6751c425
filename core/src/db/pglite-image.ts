import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Migration } from './migrator.ts';

/**
 * Migrated images of an empty embedded database (CRM_PGLITE_IMAGE_CACHE). A new PGlite data
 * folder normally runs initdb inside WASM and then every migration (~4–8 s of CPU); started from
 * an image of the same PGlite version and the same migrations it only unpacks a tarball. The
 * file name carries a hash of both, so an image is never loaded into a build whose migrations
 * differ; an image that fails to load is deleted and the folder is created the normal way.
 */
export interface PgliteImage {
  /** The image file for this PGlite version and these migrations (it may not exist yet). */
  file: string;
  /** Its contents when it exists. */
  blob?: Blob;
}

function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve(name);
    for (let dir = path.dirname(main); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const pkg = path.join(dir, 'package.json');
      if (fs.existsSync(pkg)) {
        const parsed = JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
        if (parsed.name === name) return parsed.version ?? 'unknown';
      }
    }
  } catch {
    // bundled without its package.json: the migrations still key the image
  }
  return 'unknown';
}

/** PGlite and the extension whose catalog entries the image holds. */
export function pgliteVersion(): string {
  return ['@electric-sql/pglite', '@electric-sql/pglite-pgvector'].map((name) => `${name}@${packageVersion(name)}`).join(' ');
}

export function pgliteImageKey(migrations: readonly Migration[], version = pgliteVersion()): string {
  const hash = createHash('sha256').update(`pglite ${version}\n`);
  for (const m of migrations) hash.update(`${m.name}\n${m.sql}\n\0`);
  return hash.digest('hex').slice(0, 24);
}

/** The image of `migrations` in `cacheDir`, with its contents when it is there. */
export function findPgliteImage(cacheDir: string, migrations: readonly Migration[]): PgliteImage {
  const file = path.join(cacheDir, `pglite-${pgliteImageKey(migrations)}.tar.gz`);
  try {
    return { file, blob: new Blob([fs.readFileSync(file)]) };
  } catch {
    return { file };
  }
}

/** Store an image atomically (written aside, then renamed): concurrent writers never leave half a file. */
export function savePgliteImage(file: string, image: Blob): Promise<void> {
  return image.arrayBuffer().then((bytes) => {
    // the image holds no personal data (an empty, migrated database), but it is loaded as trusted
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const aside = `${file}.${process.pid}.${Date.now()}.tmp`;
    fs.writeFileSync(aside, Buffer.from(bytes), { mode: 0o600 });
    fs.renameSync(aside, file);
  });
}

export function dropPgliteImage(file: string): void {
  fs.rmSync(file, { force: true });
}
