// `herald docs [--out site] [--serve] [--port 4000]`: builds the docs portal and, with --serve,
// serves it on localhost until Ctrl-C. It never publishes anything anywhere.
import type { CommandModule } from '../main.ts';
import { buildPortal } from '../../docs/build-portal.ts';
import { serveSite } from '../../docs/serve.ts';
import { HeraldError } from '../../runtime/core/errors.ts';

interface DocsArgs {
  out: string;
  serve: boolean;
  port: number;
}

function parseArgs(args: string[]): DocsArgs {
  const parsed: DocsArgs = { out: 'site', serve: false, port: 4000 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new HeraldError('HERALD_ERR_CONFIG', `${flag} needs a value`);
      return v;
    };
    if (flag === '--out') parsed.out = value();
    else if (flag === '--serve') parsed.serve = true;
    else if (flag === '--port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new HeraldError('HERALD_ERR_CONFIG', `--port must be a port number (0-65535)`);
      parsed.port = port;
    } else throw new HeraldError('HERALD_ERR_CONFIG', `unknown option ${arg}; usage: herald docs [--out site] [--serve] [--port 4000]`);
  }
  return parsed;
}

export const command: CommandModule = {
  summary: 'Build the docs portal into site/ (--out), and serve it with --serve [--port 4000]',
  async run(args, ctx) {
    const options = parseArgs(args);
    const result = await buildPortal({
      root: ctx.cwd,
      outDir: options.out,
      log: (line) => {
        if (ctx.verbose) ctx.stdout.write(`  ${line}\n`);
      },
    });
    ctx.stdout.write(`herald docs: ${result.pages.length} pages in ${result.outDir} (${(result.ms / 1000).toFixed(1)} s${result.reference.cached ? ', reference from cache' : ''})\n`);
    if (!options.serve) return 0;
    const server = await serveSite(result.outDir, options.port).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') throw new HeraldError('HERALD_ERR_CONFIG', `port ${options.port} is in use; pick another with --port`);
      throw error;
    });
    ctx.stdout.write(`Serving the docs portal at ${server.url}  (Ctrl-C to stop)\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    ctx.stdout.write('Stopped.\n');
    return 0;
  },
};
