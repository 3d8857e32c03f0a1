/** Counts of what keeps the event loop alive, by kind ("TCPSocketWrap", "Timeout", "ProcessWrap", …). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * What is alive now beyond `baseline`, after waiting up to `maxMs` for closes already under way
 * (a peer's FIN, a killed child's exit) to land. `{}` means nothing leaked.
 */
export async function leakedSince(baseline: Record<string, number>, maxMs = 1000): Promise<Record<string, number>> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const excess: Record<string, number> = {};
    for (const [kind, n] of Object.entries(activeResources())) {
      if (n > (baseline[kind] ?? 0)) excess[kind] = n - (baseline[kind] ?? 0);
    }
    if (Object.keys(excess).length === 0 || Date.now() >= deadline) return excess;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
