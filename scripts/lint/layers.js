// The floors of the code and what each may import (docs/architecture.md, "The floors").
// A local ESLint rule rather than a pattern list: it resolves every relative import against the
// importing file, so an import from any depth ('../../../adapters/x') is judged by where it lands.
import { dirname, relative, resolve, sep } from 'node:path';

/** Floor → the floors it may import besides itself. Folders not listed (cli, bench, test, scripts) may import anything. */
export const FLOORS = {
  core: [],
  lib: ['core'],
  adapters: ['core', 'lib'],
  sim: ['core', 'lib'],
  control: ['core', 'lib'],
  agent: ['core', 'lib'],
  functions: ['core', 'lib', 'control', 'adapters'],
  infra: ['core'],
};

/** Files that wire concrete parts together for one runtime, allowed one floor further (named, so the list stays short). */
export const COMPOSITION_ROOTS = {
  // The local runtime: what functions/runtime.ts is in Lambda (a store and providers wired to the loop).
  'control/local-server.ts': ['adapters'],
  // Both runtimes' secrets, read into the providers' credentials (the shape adapters/providers.ts defines).
  'control/secrets.ts': ['adapters'],
  // etcd mode's runtime inside the agent: the etcd store and election wired to the decider every agent runs.
  'agent/etcd/runtime.ts': ['control', 'adapters'],
};

const root = resolve(import.meta.dirname, '..', '..');

function floorOf(path) {
  const rel = relative(root, path);
  if (rel.startsWith('..')) return undefined;
  return rel.split(sep)[0];
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'keeps each floor of the code to the floors it may import' },
    schema: [],
    messages: {
      upward: "{{from}}/ may not import {{to}}/ (allowed: {{allowed}}); see docs/architecture.md, 'The floors'",
    },
  },
  create(context) {
    const file = context.filename;
    const from = floorOf(file);
    if (from === undefined || !(from in FLOORS)) return {};
    const extra = COMPOSITION_ROOTS[relative(root, file)] ?? [];
    const allowed = new Set([from, ...FLOORS[from], ...extra]);
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = floorOf(resolve(dirname(file), source));
      if (to === undefined || !(to in FLOORS) || allowed.has(to)) return;
      context.report({ node, messageId: 'upward', data: { from, to, allowed: [...allowed].join(', ') } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { floors: rule } };
