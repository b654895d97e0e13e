// `herald docs [--out site] [--serve] [--port 4000]`: builds the docs portal and, with --serve,
// serves it on localhost until Ctrl-C. It never publishes anything anywhere.
import { buildPortal } from '../../docs/build-portal.ts';
import { serveSite } from '../../docs/serve.ts';
import { HeraldError } from '../../runtime/core/errors.ts';
import { parseCommandArgs, portOption } from '../args.ts';
import { precheckContract } from '../contract-precheck.ts';
import type { CommandModule } from '../main.ts';

const usage = `Usage: herald docs [--out site] [--serve] [--port 4000]
  --out    folder the portal is written to (default site)
  --serve  serve the built portal on 127.0.0.1 until Ctrl-C
  --port   port for --serve (default 4000; 0 picks a free one)
The AsyncAPI reference page needs the optional peers @asyncapi/generator and @asyncapi/html-template.
Exit codes: 0 built, 1 the build failed, 2 bad usage.`;

export const command: CommandModule = {
  summary: 'Build the docs portal into site/ (--out), and serve it with --serve [--port 4000]',
  usage,
  async run(args, ctx) {
    const { values } = parseCommandArgs(args, {
      out: { type: 'string', default: 'site' },
      serve: { type: 'boolean', default: false },
      port: { type: 'string', default: '4000' },
    });
    const options = { out: values.out, serve: values.serve, port: portOption('--port', values.port, true) };
    await precheckContract({ root: ctx.cwd, pointWith: '--cwd <dir> (the folder that holds asyncapi.yaml)' });
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
