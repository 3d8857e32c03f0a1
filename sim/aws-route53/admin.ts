/**
 * Route 53 admin route (JSON), next to the shared ones in sim/common/emulator.ts:
 *
 *   POST /__admin/change   {"zoneId": "Z...", "comment"?: "...",
 *                           "changes": [{"action": "UPSERT", "name": "vip.example.com", "type": "A",
 *                                        "ttl": 60, "values": ["192.0.2.10"], "setIdentifier"?, "weight"?}]}
 *
 * A change "by hand", as a person makes it in the console: the same validation and atomicity as
 * ChangeResourceRecordSets, and a change record that goes PENDING then INSYNC, but no throttling
 * and no PriorRequestNotComplete. Answers 200 {"changeId"} or 400 {"error", "message"}.
 */
import { el, list, opt } from '../common/xml';
import { parseChangeBatch, type ParsedBatch } from './change-batch';

interface AdminChange {
  action: string;
  name: string;
  type: string;
  ttl: number;
  values: string[];
  setIdentifier?: string;
  weight?: number;
}

/** The JSON body turned into the XML the API takes, so both go through one parser. */
export function adminChangeRequest(body: string): { zoneId: string; batch: ParsedBatch } {
  const b = JSON.parse(body || '{}') as { zoneId?: string; comment?: string; changes?: AdminChange[] };
  const xml = el(
    'ChangeResourceRecordSetsRequest',
    el(
      'ChangeBatch',
      el(
        'Changes',
        (b.changes ?? []).map((c) =>
          el(
            'Change',
            el('Action', c.action),
            el(
              'ResourceRecordSet',
              el('Name', c.name),
              el('Type', c.type),
              opt('SetIdentifier', c.setIdentifier),
              opt('Weight', c.weight),
              el('TTL', c.ttl),
              list('ResourceRecords', c.values ?? [], 'ResourceRecord', (v) => el('Value', v)),
            ),
          ),
        ),
      ),
      opt('Comment', b.comment),
    ),
  );
  return { zoneId: String(b.zoneId ?? ''), batch: parseChangeBatch(xml.text) };
}
