import { describe, expect, it } from 'vitest';
import { seedWalkthrough } from '../../cli/demo/seeds';

describe('the seed walkthrough narrates in order', () => {
  it('says mail04 is undrained before the VIPs go back to it, never after', () => {
    const lines: string[] = [];
    seedWalkthrough((l) => lines.push(l), false);
    const undrained = lines.findIndex((l) => l.includes('mail04 is undrained'));
    expect(undrained).toBeGreaterThan(0);
    const backToMail04 = lines.map((l, i) => ({ l, i })).filter(({ l }) => /mail0[12]\s+→ mail04\s+preempt/.test(l));
    expect(backToMail04).toHaveLength(2);
    for (const { i } of backToMail04) expect(i).toBeGreaterThan(undrained);
    const drained = lines.findIndex((l) => l.includes('mail04 is drained'));
    const drains = lines.map((l, i) => ({ l, i })).filter(({ l }) => /mail04\s+→ mail0\d\s+drain/.test(l));
    for (const { i } of drains) expect(i).toBeGreaterThan(drained);
    for (const { i } of drains) expect(i).toBeLessThan(undrained);
  });
});
