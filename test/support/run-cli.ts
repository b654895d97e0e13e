// Runs `herald <args>` in this process against a Redis URL, as a user would type it, and returns the
// exit code and everything it printed on stdout.
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';

export async function runCli(args: string[], redisUrl: string): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = new Writable({ write(chunk, _enc, done) { out += chunk.toString(); done(); } });
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => sink.write(chunk)) as typeof process.stdout.write;
  try {
    const code = await main([...args, '--redis', redisUrl]);
    return { code, out };
  } finally {
    process.stdout.write = original;
  }
}
