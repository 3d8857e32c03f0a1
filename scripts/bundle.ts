// The two single-file programs `npm run build` makes; both run with `node` and nothing else
// installed. bench/agent.ts and the packaging test build them with these same options.
import { chmod, copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const BUNDLES = {
  /** Every command: operators' machines, the local control plane, the emulators. */
  cli: { entry: 'cli/main.ts', out: 'dist/ipferry.mjs' },
  /** What a host runs (agent, agent status, fence, validate): the systemd unit's program. */
  agent: { entry: 'cli/agent-main.ts', out: 'dist/ipferry-agent.mjs' },
} as const;

/** Where the etcd client's .proto files go, beside the bundle (agent/install.sh installs them alike). */
export const ETCD_PROTO_DIR = 'etcd3-proto';

/**
 * The etcd client reads its gRPC definitions from `${__dirname}/../proto` when it loads, and an ESM
 * bundle has no __dirname: point it at the copies beside the bundle (`__ipferryHere`, the banner's).
 */
const etcdProtos: Plugin = {
  name: 'etcd3-protos',
  setup(b) {
    b.onLoad({ filter: /etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const from = '`${__dirname}/../proto/rpc.proto`';
      if (!source.includes(from)) throw new Error(`etcd3 no longer loads ${from}: update scripts/bundle.ts`);
      return { contents: source.replace(from, `\`\${__ipferryHere}/${ETCD_PROTO_DIR}/rpc.proto\``), loader: 'js' };
    });
  },
};

async function copyEtcdProtos(outfile: string): Promise<void> {
  const from = join(ROOT, 'node_modules/etcd3/proto');
  const to = join(dirname(outfile), ETCD_PROTO_DIR);
  await mkdir(to, { recursive: true });
  for (const f of await readdir(from)) if (f.endsWith('.proto')) await copyFile(join(from, f), join(to, f));
}

export async function buildBundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(new URL(entry, `file://${ROOT}`))],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: false,
    minifyWhitespace: true,
    legalComments: 'none',
    // CommonJS dependencies (pino, the AWS SDK) call require(); give the ESM bundle one, and the
    // directory it runs from for the files it ships beside itself.
    banner: {
      js: [
        '#!/usr/bin/env node',
        "import { createRequire as __ipferryRequire } from 'node:module';",
        "import { fileURLToPath as __ipferryPath } from 'node:url';",
        'const require = __ipferryRequire(import.meta.url);',
        "const __ipferryHere = __ipferryPath(new URL('.', import.meta.url));",
      ].join('\n'),
    },
    plugins: [etcdProtos],
    logLevel: 'warning',
  });
  await chmod(outfile, 0o755);
  await copyEtcdProtos(outfile);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const b of Object.values(BUNDLES)) {
    await buildBundle(b.entry, fileURLToPath(new URL(b.out, `file://${ROOT}`)));
    console.log(`built ${b.out}`);
  }
}
