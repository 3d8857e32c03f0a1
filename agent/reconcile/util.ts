/** The classified reason of a host failure (HostNetError carries one), else `transient`. */
export function reasonOf(err: unknown): string {
  const reason = (err as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : 'transient';
}
