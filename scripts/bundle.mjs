// Bundles the CLI into one file, dist/ipferry.mjs, that runs with `node` and nothing else installed.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';

await build({
  entryPoints: ['cli/main.ts'],
  outfile: 'dist/ipferry.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: false,
  minifyWhitespace: true,
  legalComments: 'none',
  // CommonJS dependencies (pino, the AWS SDK) call require(); give the ESM bundle one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __ipferryRequire } from 'node:module';\nconst require = __ipferryRequire(import.meta.url);" },
  logLevel: 'warning',
});
await chmod('dist/ipferry.mjs', 0o755);
console.log('built dist/ipferry.mjs');
