/**
 * How to run `ipferry` again as a child: this very program (the bundle, or cli/main.ts under tsx
 * with its loader flags), so children work the same from `npm run …` and from dist/ipferry.mjs.
 */
export function selfCommand(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1]!];
}
