/**
 * A DNS name as IAM's `route53:ChangeResourceRecordSetsNormalizedRecordNames` compares it: lower
 * case, no trailing dot, and every character other than a-z, 0-9, "-", "_" and "." as a
 * three-digit octal escape (`*` is `\052`). Escapes already in the config are decoded first, so
 * `\052.example.net` and `*.Example.net.` normalize alike.
 */
export function normalizedRecordName(name: string): string {
  const decoded = name.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  const bare = decoded.toLowerCase().replace(/\.$/, '');
  return [...bare]
    .map((c) => (/[a-z0-9_.-]/.test(c) ? c : `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`))
    .join('');
}
