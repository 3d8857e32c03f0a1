import { watch } from '../../agent/legacy-watch/watch';
import { usageError, type Command } from '../command';

const USAGE = `usage: ipferry legacy-watch watch --iface IF --vrid N[,N…] (--state FILE | --state-dir DIR) [--own ADDR …] [--quiet-ms MS]

Running beside keepalived during a switch (docs/migrating.md): listens for VRRP adverts on IF
(needs CAP_NET_RAW, as the agent; and perl, which Debian always has) and keeps a one-line state
file saying when no old master will have been heard for --quiet-ms (default 3000: keepalived's
master-down interval, 3 x advert_int). The agent's exec check legacy-vrrp reads that file
(legacy-vrrp-check.sh, installed beside the agent by agent/install.sh; \`ipferry import keepalived
--beside\` writes the check into the config). Runs until SIGTERM.

  --iface IF        the link the keepalived cluster advertises on
  --vrid N[,N…]     the virtual_router_ids to watch
  --state FILE      the state file the check reads (e.g. /run/ipferry/legacy-vrrp.state)
  --own ADDR        this host's own addresses: its own keepalived's adverts are not an old master
  --quiet-ms MS     how long silence must last before the check passes`;

export const legacyWatch: Command = {
  run(argv) {
    const [sub, ...rest] = argv;
    if (sub === '--help' || sub === '-h') return Promise.resolve((console.log(USAGE), 0));
    if (sub !== 'watch') return Promise.resolve(usageError(USAGE, `expected "watch", got "${sub ?? ''}"`));
    // Runs until SIGTERM (it exits the process then), or exits with code 2 and the reason.
    watch(rest);
    return new Promise<number>(() => undefined);
  },
};
