/** The keys of every `demo --json` line, sorted: every provider's and every event's line carries exactly these. */
export const DEMO_LINE_KEYS = [
  'accepted_ms',
  'api_ms',
  'bound_ms',
  'calls',
  'decide_ms',
  'detect_ms',
  'errors',
  'event',
  'from',
  'provider',
  'reason',
  'state',
  'to',
  'total_ms',
  'vip',
];
