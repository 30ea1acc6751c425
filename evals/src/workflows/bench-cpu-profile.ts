// A V8 CPU profile of one stretch of a benchmark (not its startup), written as a .cpuprofile file
// that Chrome DevTools or speedscope open.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

export async function startCpuProfile(): Promise<{ stop(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
