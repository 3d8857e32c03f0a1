import { ago } from './table';
import { termSafe as t } from './terminal-text';

/** The part of a peer-mode agent's /status (agent/peer/peer-loop-options.ts, PeerStatus) the text view prints. */
export interface PeerStatusView {
  quorum: { ok: boolean; heard: number; needed: number; window: number } | null;
  diagnostics?: string[];
  peers?: Array<{
    node: string;
    heard?: boolean;
    lastSeenMsAgo: number | null;
    held?: readonly string[];
    digest?: string;
  }>;
  waiting?: Array<{ vip: string; holder: string }>;
}

/**
 * Quorum, every peer (heard or silent, when last heard, its config digest against ours, what it
 * holds) and the diagnoses, in place of the control plane line: in peer mode there is none.
 * Everything here came over the network (peers' heartbeats): escaped and bounded.
 */
export function peerStatusLines(p: PeerStatusView, ownDigest: string | undefined): string[] {
  const q = p.quorum;
  const quorum = !q
    ? 'not decided yet'
    : `${q.ok ? 'ok' : 'NONE'} (heard ${t(q.heard)}, needs ${t(q.needed)}, within ${t(q.window)} ms)`;
  const lines = [`peer mode: quorum ${quorum}`];
  for (const peer of p.peers ?? []) {
    const heard = peer.heard === undefined ? '' : peer.heard ? 'heard ' : 'SILENT';
    const last = peer.lastSeenMsAgo === null ? 'never heard' : `last heard ${ago(peer.lastSeenMsAgo)}`;
    const digest = !peer.digest
      ? 'digest ?'
      : `digest ${t(peer.digest, 16)}${ownDigest && peer.digest !== ownDigest ? ' (DIFFERENT config)' : ''}`;
    const held = peer.held?.length ? `, holds ${peer.held.map((v) => t(v)).join(', ')}` : '';
    lines.push(`  peer ${t(peer.node).padEnd(14)} ${heard} ${last}; ${digest}${held}`);
  }
  for (const w of p.waiting ?? []) lines.push(`  waiting for ${t(w.vip)}: still held by ${t(w.holder)}`);
  for (const d of p.diagnostics ?? []) lines.push(`  diagnosis ${t(d)}`);
  return lines;
}
