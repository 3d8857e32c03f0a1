import { describe, expect, it } from 'vitest';
import { successionFrom } from '../../../cli/import/succession';

// keepalived priority (negated: higher wins) or CARP advbase/advskew (lower wins) as one key per
// host, best first, mapped to `preferred`.
const ranked = (...pairs: Array<[string, number]>) => pairs.map(([host, key]) => ({ host, key }));

describe('priorities across hosts as an order of succession', () => {
  it.each([
    ['a pair: the better one, the other implied', ranked(['a', -150], ['b', -100]), 'a'],
    ['three strictly ordered: the first two, the last implied', ranked(['a', 0], ['b', 100], ['c', 200]), ['a', 'b']],
    ['four strictly ordered', ranked(['a', 0], ['b', 10], ['c', 20], ['d', 30]), ['a', 'b', 'c']],
    [
      'the ring: two neighbours tie after the owner, the order stops at the owner',
      ranked(['m1', -200], ['m2', -150], ['m5', -150], ['m3', -100], ['m4', -100]),
      'm1',
    ],
    ['a tie further down: the order stops before it', ranked(['a', 0], ['b', 10], ['c', 20], ['d', 20]), ['a', 'b']],
    ['a single host', ranked(['a', 0]), 'a'],
  ])('%s', (_, input, expected) => {
    expect(successionFrom(input)).toEqual(expected);
  });
});
