/**
 * The EC2 Query wire format: form-encoded requests (`Action`, `Version`, `.N` list members,
 * `Filter.N.Name` / `Filter.N.Value.M`) and XML answers, including the error envelope
 * `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
 */
import type { HttpAnswer } from '../common/http';
import { document, el, escapeXml, type XmlContent } from '../common/xml';

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** An EC2 API error: the code the SDK turns into the exception `name`, and the HTTP status. */
export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const missing = (name: string) =>
  new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
export const invalidValue = (message: string) => new Ec2Error('InvalidParameterValue', message);

export interface Filter {
  name: string;
  values: string[];
}

/** The parameters of one request, with the typed readers every action needs. */
export class QueryParams {
  constructor(private readonly params: URLSearchParams) {}

  get(name: string): string | undefined {
    const v = this.params.get(name);
    return v === null || v === '' ? undefined : v;
  }

  required(name: string): string {
    return this.get(name) ?? throwError(missing(name));
  }

  /** Values of `prefix.1`, `prefix.2`, ... in index order. */
  list(prefix: string): string[] {
    const found: Array<[number, string]> = [];
    for (const [k, v] of this.params) {
      const m = /^(.+)\.(\d+)$/.exec(k);
      if (m && m[1] === prefix) found.push([Number(m[2]), v]);
    }
    return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  bool(name: string): boolean | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (v === 'true' || v === 'false') return v === 'true';
    throw invalidValue(`Invalid value '${v}' for ${name}. Expected true or false.`);
  }

  int(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw invalidValue(`Invalid value '${v}' for ${name}. Expected an integer.`);
    return Number(v);
  }

  filters(): Filter[] {
    const byIndex = new Map<number, Filter>();
    for (const [k, v] of this.params) {
      const m = /^Filter\.(\d+)\.(Name|Value\.(\d+))$/.exec(k);
      if (!m) continue;
      const f = byIndex.get(Number(m[1])) ?? { name: '', values: [] };
      if (m[2] === 'Name') f.name = v;
      byIndex.set(Number(m[1]), f);
    }
    for (const [i, f] of byIndex) f.values = this.list(`Filter.${i}.Value`);
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);
  }

  /** Every value, for the deny list ("any call that names this resource"). */
  values(): string[] {
    return [...this.params.values()];
  }
}

function throwError(e: Error): never {
  throw e;
}

export function successAnswer(action: string, requestId: string, body: XmlContent): HttpAnswer {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
    body: document(`${action}Response`, EC2_NAMESPACE, el('requestId', requestId), body),
  };
}

export function errorAnswer(err: Ec2Error, requestId: string): HttpAnswer {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(err.code)}</Code>` +
    `<Message>${escapeXml(err.message)}</Message></Error></Errors><RequestID>${escapeXml(requestId)}</RequestID></Response>`;
  return {
    status: err.status,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
    body,
  };
}
