import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSha256 } from '../../../core/heartbeat/keys';

describe('hmacSha256', () => {
  it('is HMAC-SHA256 (RFC 4231 test case 2: a key shorter than the block)', () => {
    const mac = hmacSha256('Jefe');
    expect(mac(Buffer.from('what do ya want for nothing?')).toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('equals createHmac for any key (empty, a block long, longer and hashed first, non-ASCII) and any message, message after message', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 150 }),
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        (key, messages) => {
          const mac = hmacSha256(key);
          for (const m of messages)
            expect(mac(Buffer.from(m)).equals(createHmac('sha256', key).update(m).digest())).toBe(true);
        },
      ),
    );
  });
});
