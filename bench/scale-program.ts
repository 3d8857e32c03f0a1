/**
 * The agent program bench:scale runs: the host's bundle as bench/agent-child.ts builds it (the
 * systemd unit's node flags and environment), except that the etcd client (etcd3 and gRPC) stays
 * outside the bundle and is loaded from node_modules: etcd3 reads its .proto files from beside its
 * own code (`${__dirname}/../proto`) when it loads, which a single-file bundle cannot do. The
 * bundle is written under node_modules/.cache so Node finds those packages from it.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLES } from '../scripts/bundle';
import { agentProgram, type AgentProgram } from './agent-child';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXTERNAL = ['etcd3', '@grpc/grpc-js', '@grpc/proto-loader'];

export async function scaleProgram(): Promise<AgentProgram> {
  const base = await agentProgram();
  const cache = join(ROOT, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const work = await mkdtemp(join(cache, 'ipferry-bench-scale-'));
  try {
    const bundle = join(work, 'ipferry-agent.mjs');
    await build({
      entryPoints: [join(ROOT, BUNDLES.agent.entry)],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      minifyWhitespace: true,
      legalComments: 'none',
      external: EXTERNAL,
      banner: {
        js: "import { createRequire as __ipferryRequire } from 'node:module';\nconst require = __ipferryRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
    process.stderr.write(`bench:scale runs ${bundle} (${EXTERNAL.join(', ')} from node_modules)\n`);
    return {
      ...base,
      bundle,
      async close() {
        await rm(work, { recursive: true, force: true });
        await base.close();
      },
    };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    await base.close();
    throw err;
  }
}
