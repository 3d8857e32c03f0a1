// Read at build time by esbuild and at run time by tsx: one version, the package's.
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
