import { fnv1a } from '../../core/decide/model';
import { StoreError } from '../../core/ports';
import { prefixEnd } from './client';

/**
 * Where the store keeps a group in etcd. Group and node names are percent-encoded, so no name can
 * reach outside its own key (a "/" or ".." in a name stays inside one path segment).
 *
 *   <prefix><group>/assignments/root          {"version","chunkCount"}: the commit point
 *   <prefix><group>/assignments/chunk/<hh>    the assignments of one chunk (a hash of the VIP name)
 *   <prefix><group>/nodes/<node>              heartbeat record + replay guard
 *   <prefix><group>/draining/<node>           drain flag {"at"}
 *   <prefix><group>/events/<event id>         events, bounded (oldest deleted beyond the bound)
 *   <prefix><group>/tick-lease                tick lease {"owner","expiresAt"}
 *   <prefix><group>/alive/<node>              a node's liveness record, under its etcd lease
 *
 * The prefix defaults to /ipferry/; the group is the cluster's name, so keys read /ipferry/<cluster>/….
 */
export const DEFAULT_PREFIX = '/ipferry/';

const seg = (s: string): string => encodeURIComponent(s);

export class Keys {
  constructor(private readonly prefix: string = DEFAULT_PREFIX) {
    if (!prefix.startsWith('/') || !prefix.endsWith('/'))
      throw new Error(`etcd key prefix ${JSON.stringify(prefix)} must start and end with "/"`);
    prefixEnd(prefix);
  }

  group(group: string): string {
    return `${this.prefix}${seg(group)}/`;
  }
  assignments(group: string): string {
    return `${this.group(group)}assignments/`;
  }
  root(group: string): string {
    return `${this.assignments(group)}root`;
  }
  chunk(group: string, chunk: string): string {
    return `${this.assignments(group)}chunk/${chunk}`;
  }
  nodes(group: string): string {
    return `${this.group(group)}nodes/`;
  }
  node(group: string, node: string): string {
    return `${this.nodes(group)}${seg(node)}`;
  }
  drains(group: string): string {
    return `${this.group(group)}draining/`;
  }
  drain(group: string, node: string): string {
    return `${this.drains(group)}${seg(node)}`;
  }
  events(group: string): string {
    return `${this.group(group)}events/`;
  }
  event(group: string, id: string): string {
    return `${this.events(group)}${seg(id)}`;
  }
  tickLease(group: string): string {
    return `${this.group(group)}tick-lease`;
  }
  alive(group: string, node: string): string {
    return `${this.alives(group)}${seg(node)}`;
  }
  alives(group: string): string {
    return `${this.group(group)}alive/`;
  }
}

/** The last path segment of `key` under `under`, decoded (a node name from its record's key). */
export function nameUnder(under: string, key: string): string {
  const raw = key.slice(under.length);
  try {
    const name = decodeURIComponent(raw);
    if (name.length > 0 && seg(name) === raw) return name;
  } catch {
    // falls through to the refusal below
  }
  throw new StoreError('invalid', `etcd key ${key}: ${JSON.stringify(raw)} is not a name ipferry wrote`);
}

/** Which chunk a VIP's assignment lives in: a stable hash, so a VIP never wanders between chunks. */
export function chunkOf(vip: string, chunkCount: number): string {
  return (fnv1a(vip) % chunkCount).toString(16).padStart(2, '0');
}
