/**
 * DNS names as Route 53 treats them: case-insensitive, always fully qualified (trailing dot),
 * characters outside letters, digits, `-` and `_` written as `\ooo` octal escapes in answers
 * (a wildcard comes back as `\052.example.com.`), and listed in the order of their labels read
 * right to left (`com.example.www`).
 */

/** Lower case, one trailing dot, `\ooo` escapes decoded. */
export function normaliseName(name: string): string {
  const decoded = name.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  const lower = decoded.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** The name as Route 53 answers it. */
export function displayName(name: string): string {
  return name.replace(/[^a-z0-9._-]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** Sort key: labels right to left, so a zone's records list as Route 53 lists them. */
export function nameOrderKey(name: string): string[] {
  return name
    .split('.')
    .filter((l) => l !== '')
    .reverse();
}

export function compareNames(a: string, b: string): number {
  const ka = nameOrderKey(a);
  const kb = nameOrderKey(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  }
  return ka.length - kb.length;
}
