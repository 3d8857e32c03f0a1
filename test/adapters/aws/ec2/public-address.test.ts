import { afterEach, describe, expect, it } from 'vitest';
import { Ec2PublicAddressReader } from '../../../../adapters/aws/ec2';
import { ProviderError } from '../../../../core/reasons';
import { startHttpServer, type HttpServer } from '../../../helpers/http-server';

const ENI = 'eni-0000000000000a001';

/** A DescribeNetworkInterfaces answer: the interface's own association and its primary entry's. */
function answer(items: Array<{ id: string; own?: string; primary?: string }>): string {
  const assoc = (ip?: string) => (ip === undefined ? '' : `<association><publicIp>${ip}</publicIp></association>`);
  const set = items
    .map(
      (i) =>
        `<item><networkInterfaceId>${i.id}</networkInterfaceId><privateIpAddress>10.0.1.11</privateIpAddress>${assoc(i.own)}` +
        `<privateIpAddressesSet><item><privateIpAddress>10.0.1.11</privateIpAddress><primary>true</primary>${assoc(i.primary)}</item></privateIpAddressesSet></item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><networkInterfaceSet>${set}</networkInterfaceSet></DescribeNetworkInterfacesResponse>`;
}

let server: HttpServer | undefined;
let reader: Ec2PublicAddressReader | undefined;
afterEach(async () => {
  reader?.close();
  await server?.close();
});

/** The reader's answer (or its error) when EC2 answers `body` to every request: a real SDK client parses it. */
async function read(body: string): Promise<string | null | ProviderError> {
  server = await startHttpServer({ '/': { body } });
  reader = new Ec2PublicAddressReader({
    endpoint: server.url(''),
    region: 'eu-central-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestTimeoutMs: 500,
  });
  try {
    return await reader.publicIpv4(ENI, { deadline: Date.now() + 3000 });
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
}

describe('EC2 public address reader: every answer checked', () => {
  it('reads the association of the primary private address, and one read per call', async () => {
    expect(await read(answer([{ id: ENI, own: '203.0.113.130', primary: '203.0.113.130' }]))).toBe('203.0.113.130');
    expect(server!.requests).toEqual(['POST /']);
  });

  it('no association: null (the node has no public address)', async () => {
    expect(await read(answer([{ id: ENI }]))).toBeNull();
  });

  it('an association whose PublicIp is not an IPv4 address is an error naming it, never an address', async () => {
    const r = await read(answer([{ id: ENI, own: '203.0.113.999' }]));
    expect(r).toBeInstanceOf(ProviderError);
    expect(r).toMatchObject({ reason: 'invalid', message: expect.stringContaining('"203.0.113.999"') });
  });

  it('two different public addresses on the primary address are an error naming both', async () => {
    const r = await read(answer([{ id: ENI, own: '203.0.113.130', primary: '203.0.113.131' }]));
    expect(r).toMatchObject({ reason: 'invalid', message: expect.stringContaining('203.0.113.130, 203.0.113.131') });
  });

  it('another interface in place of ours, or none, is an error, not "no public address"', async () => {
    const other = await read(answer([{ id: 'eni-0000000000000b001', own: '203.0.113.5' }]));
    expect(other).toMatchObject({ reason: 'invalid', message: expect.stringContaining('answered 0 interfaces') });
    await server!.close();
    reader!.close();
    const none = await read(answer([]));
    expect(none).toMatchObject({ reason: 'invalid', message: expect.stringContaining(ENI) });
  });

  it('a deadline already passed: no request at all', async () => {
    server = await startHttpServer({ '/': { body: answer([{ id: ENI }]) } });
    reader = new Ec2PublicAddressReader({
      endpoint: server.url(''),
      region: 'eu-central-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await expect(reader.publicIpv4(ENI, { deadline: Date.now() - 1 })).rejects.toMatchObject({ reason: 'transient' });
    expect(server.requests).toEqual([]);
  });
});
