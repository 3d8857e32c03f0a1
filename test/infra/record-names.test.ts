import { describe, expect, it } from 'vitest';
import { normalizedRecordName } from '../../infra/record-names';

describe('record names as route53:ChangeResourceRecordSetsNormalizedRecordNames compares them', () => {
  it('lower case, no trailing dot', () => {
    expect(normalizedRecordName('WebMail.Example.NET.')).toBe('webmail.example.net');
  });

  it('characters outside a-z 0-9 - _ . as three-digit octal escapes', () => {
    expect(normalizedRecordName('*.example.net')).toBe('\\052.example.net');
    expect(normalizedRecordName('a@b.example.net')).toBe('a\\100b.example.net');
  });

  it('escapes already in the config are decoded first, so both spellings agree', () => {
    expect(normalizedRecordName('\\052.Example.net.')).toBe(normalizedRecordName('*.example.net'));
  });
});
