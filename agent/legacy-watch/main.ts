/**
 * ipferry beside keepalived during a switch (docs/migrating.md "Running beside keepalived"): the
 * watcher as a script of its own, as the LAN lab starts it; on a host it is `ipferry legacy-watch
 * watch` (the same code, watch.ts).
 */
import { watch } from './watch';

const [command, ...rest] = process.argv.slice(2);
if (command === 'watch') watch(rest);
else {
  process.stderr.write(
    `legacy-watch: usage: legacy-watch watch … (got ${JSON.stringify(command ?? '')}); the check is check.sh\n`,
  );
  process.exit(2);
}
