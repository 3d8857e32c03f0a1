// The two single-file programs `npm run build` makes; both run with `node` and nothing else
// installed. bench/agent.ts and the packaging test build them with these same options.
import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const BUNDLES = {
  /** Every command: operators' machines, the local control plane, the emulators. */
  cli: { entry: 'cli/main.ts', out: 'dist/ipferry.mjs' },
  /** What a host runs (agent, agent status, fence, validate): the systemd unit's program. */
  agent: { entry: 'cli/agent-main.ts', out: 'dist/ipferry-agent.mjs' },
} as const;

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
    // CommonJS dependencies (pino, the AWS SDK) call require(); give the ESM bundle one.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __ipferryRequire } from 'node:module';\nconst require = __ipferryRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  await chmod(outfile, 0o755);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const b of Object.values(BUNDLES)) {
    await buildBundle(b.entry, fileURLToPath(new URL(b.out, `file://${ROOT}`)));
    console.log(`built ${b.out}`);
  }
}
