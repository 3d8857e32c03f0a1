import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DiagnosisMetrics, labelValue, MAX_DIAGNOSIS_SERIES } from '../../lib/diagnosis-metrics';

function scrape(registry: Registry): Promise<string> {
  return registry.metrics();
}

describe('diagnoses as metrics', () => {
  it('a diagnosis is 1 while it holds, gone once it clears, and counted once per time it began', async () => {
    const registry = new Registry();
    const m = new DiagnosisMetrics(registry);
    m.set([{ code: 'dual-holder', vip: 'smtp' }, { code: 'no-quorum' }]);
    m.set([{ code: 'dual-holder', vip: 'smtp' }, { code: 'no-quorum' }]);
    let text = await scrape(registry);
    expect(text).toContain('ipferry_diagnosis{code="dual-holder",vip="smtp"} 1');
    expect(text).toContain('ipferry_diagnosis{code="no-quorum",vip=""} 1');
    expect(text).toContain('ipferry_diagnoses_total{code="dual-holder"} 1');
    m.set([{ code: 'no-quorum' }]);
    m.set([{ code: 'dual-holder', vip: 'smtp' }]);
    text = await scrape(registry);
    expect(text).not.toContain('code="no-quorum",vip=""');
    expect(text).toContain('ipferry_diagnoses_active{code="no-quorum"} 0');
    expect(text).toContain('ipferry_diagnoses_total{code="dual-holder"} 2');
    expect(text).toContain('ipferry_diagnoses_total{code="no-quorum"} 1');
  });

  it('hostile names never reach the scrape as they came: no quotes, newlines, braces or escapes', async () => {
    const registry = new Registry();
    const m = new DiagnosisMetrics(registry);
    const hostile = 'v1"} 1\nipferry_fake{a="\\\u001b[31m' + 'x'.repeat(500);
    m.set([{ code: 'unsafe\n# HELP', vip: hostile }]);
    const text = await scrape(registry);
    const line = text.split('\n').find((l) => l.startsWith('ipferry_diagnosis{'))!;
    expect(line).toBe(`ipferry_diagnosis{code="unsafe___HELP",vip="${labelValue(hostile)}"} 1`);
    expect(labelValue(hostile)).toMatch(/^[A-Za-z0-9._:-]{63}$/);
    expect(text.split('\n').some((l) => l.startsWith('ipferry_fake'))).toBe(false);
    expect(text).not.toContain('\u001b');
  });

  it('a cluster with thousands of diagnoses shows a bounded number of series, and counts them all', async () => {
    const registry = new Registry();
    const m = new DiagnosisMetrics(registry);
    m.set(Array.from({ length: 5000 }, (_, i) => ({ code: 'unowned', vip: `v${i}` })));
    let text = await scrape(registry);
    expect(text.split('\n').filter((l) => l.startsWith('ipferry_diagnosis{'))).toHaveLength(MAX_DIAGNOSIS_SERIES);
    expect(text).toContain('ipferry_diagnoses_active{code="unowned"} 5000');
    m.set(Array.from({ length: 100 }, (_, i) => ({ code: `code-${i}`, vip: 'v' })));
    text = await scrape(registry);
    expect(text).toContain('ipferry_diagnoses_active{code="unowned"} 0');
    expect(text).toContain('ipferry_diagnoses_total{code="unowned"} 5000');
    // Codes beyond the first 32 share one: the per-code series stay bounded too.
    expect(text).toContain('ipferry_diagnoses_active{code="other"}');
    expect(text.split('\n').filter((l) => l.startsWith('ipferry_diagnoses_active{')).length).toBeLessThanOrEqual(34);
  });
});
