import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../core/config';
import { controlSecrets } from '../../control/secrets';
import { hetznerClusterInput } from './helpers/clusters';

/** The Hetzner cluster with its security block replaced (and a Robot VIP when asked). */
function cluster(security: Record<string, unknown>, opts: { robot?: boolean } = {}): Config {
  const raw = hetznerClusterInput();
  const vips = raw.vips as Array<Record<string, unknown>>;
  const robot = {
    name: 'rb',
    kind: 'hetzner-robot-failover-ip',
    address: '198.18.9.2/32',
    preferred: 'n1',
    checks: ['smtp'],
  };
  const nodes = (raw.nodes as Array<{ hetzner: Record<string, unknown> }>).map((n, i) =>
    opts.robot ? { ...n, hetzner: { ...n.hetzner, robotServerIp: `198.18.8.${i + 1}` } } : n,
  );
  return loadConfig({ ...raw, security, nodes, vips: opts.robot ? [...vips, robot] : vips });
}

const KEY = (c: string): string => c.repeat(20);
const files =
  (map: Record<string, string>) =>
  async (p: string): Promise<string> =>
    map[p] ?? Promise.reject(Object.assign(new Error('no such file'), { code: 'ENOENT' }));
const secrets =
  (map: Record<string, string>) =>
  async (id: string): Promise<string> =>
    map[id] ?? Promise.reject(new Error(`no secret ${id}`));
const TOKEN = { IPFERRY_HETZNER_TOKEN: 'hz-token' };

describe('controlSecrets: the pre-shared key, one order for both runtimes', () => {
  it('inline psk, then IPFERRY_PSK_SECRET, then IPFERRY_PSK, then pskFile, then pskEnv', async () => {
    const all = { pskFile: '/etc/ipferry/psk', pskEnv: 'MY_PSK' };
    const env = { ...TOKEN, IPFERRY_PSK_SECRET: 'ipferry/psk', IPFERRY_PSK: KEY('b'), MY_PSK: KEY('d') };
    const readFile = files({ '/etc/ipferry/psk': `${KEY('c')}\n` });
    const readSecret = secrets({ 'ipferry/psk': `${KEY('a')}\n` });
    const psk = async (security: Record<string, unknown>, e: NodeJS.ProcessEnv) =>
      (await controlSecrets({ config: cluster(security), env: e, readFile, readSecret })).psk;
    expect(await psk({ psk: KEY('i'), ...all }, env)).toBe(KEY('i'));
    expect(await psk(all, env)).toBe(KEY('a'));
    expect(await psk(all, { ...env, IPFERRY_PSK_SECRET: '' })).toBe(KEY('b'));
    expect(await psk(all, { ...TOKEN, MY_PSK: KEY('d') })).toBe(KEY('c'));
    expect(await psk({ pskEnv: 'MY_PSK' }, { ...TOKEN, MY_PSK: KEY('d') })).toBe(KEY('d'));
  });

  it('the same length check on every source, naming the source', async () => {
    const short = 'only-12-char';
    await expect(
      controlSecrets({ config: cluster({ pskEnv: 'MY_PSK' }), env: { ...TOKEN, MY_PSK: short } }),
    ).rejects.toThrow('the pre-shared key from security.pskEnv ($MY_PSK) is shorter than 16 characters');
    await expect(
      controlSecrets({ config: cluster({ pskEnv: 'MY_PSK' }), env: { ...TOKEN, IPFERRY_PSK: short } }),
    ).rejects.toThrow('the pre-shared key from $IPFERRY_PSK is shorter than 16 characters');
    await expect(
      controlSecrets({ config: cluster({ pskFile: '/k' }), env: TOKEN, readFile: files({ '/k': `${short}\n` }) }),
    ).rejects.toThrow('security.pskFile /k is shorter than 16');
    await expect(
      controlSecrets({
        config: cluster({ pskEnv: 'X' }),
        env: { ...TOKEN, IPFERRY_PSK_SECRET: 's' },
        readSecret: secrets({ s: short }),
      }),
    ).rejects.toThrow('IPFERRY_PSK_SECRET (s) is shorter than 16');
  });

  it('clear errors: an unset pskEnv, an unreadable file, a secret without a reader, a secret that cannot be read', async () => {
    await expect(controlSecrets({ config: cluster({ pskEnv: 'MY_PSK' }), env: TOKEN })).rejects.toThrow(
      /pre-shared key: security.pskEnv names \$MY_PSK, which is not set/,
    );
    await expect(
      controlSecrets({ config: cluster({ pskFile: '/nope' }), env: TOKEN, readFile: files({}) }),
    ).rejects.toThrow('cannot read security.pskFile /nope: ENOENT');
    await expect(controlSecrets({ config: cluster({ pskFile: '/nope' }), env: TOKEN })).rejects.toThrow(
      'security.pskFile /nope cannot be read here',
    );
    await expect(
      controlSecrets({ config: cluster({ pskEnv: 'X' }), env: { ...TOKEN, IPFERRY_PSK_SECRET: 'ipferry/psk' } }),
    ).rejects.toThrow(
      'IPFERRY_PSK_SECRET names a Secrets Manager secret (ipferry/psk), which only the AWS runtime reads',
    );
    await expect(
      controlSecrets({
        config: cluster({ pskEnv: 'X' }),
        env: { ...TOKEN, IPFERRY_PSK_SECRET: 'gone' },
        readSecret: secrets({}),
      }),
    ).rejects.toThrow('cannot read IPFERRY_PSK_SECRET (gone): no secret gone');
  });

  it('ed25519 clusters need no key, and none is read', async () => {
    const config = loadConfig({
      ...hetznerClusterInput(),
      security: { signing: 'ed25519' },
      nodes: (hetznerClusterInput().nodes as object[]).map((n) => ({
        ...n,
        publicKey: 'ldhyFZjNKsZ13BKok3g8hDZ2+7oZyete+sKfp1V+hoU=',
      })),
    });
    const r = await controlSecrets({ config, env: { ...TOKEN, IPFERRY_PSK_SECRET: 'never-read' } });
    expect(r.psk).toBeUndefined();
  });
});

describe('controlSecrets: provider credentials', () => {
  const psk = { psk: KEY('p') };

  it("the Hetzner token: IPFERRY_HETZNER_TOKEN_SECRET, IPFERRY_HETZNER_TOKEN, then HCLOUD_TOKEN (the hcloud CLI's name)", async () => {
    const token = async (env: NodeJS.ProcessEnv) =>
      (await controlSecrets({ config: cluster(psk), env, readSecret: secrets({ 'ipferry/hz': 'from-secret\n' }) }))
        .credentials.hetznerCloud;
    expect(
      await token({ IPFERRY_HETZNER_TOKEN_SECRET: 'ipferry/hz', IPFERRY_HETZNER_TOKEN: 'ipf', HCLOUD_TOKEN: 'hc' }),
    ).toEqual({ token: 'from-secret' });
    expect(
      await token({
        IPFERRY_HETZNER_TOKEN: 'ipf',
        HCLOUD_TOKEN: 'hc',
        IPFERRY_HETZNER_API_URL: 'http://127.0.0.1:1/v1',
      }),
    ).toEqual({ token: 'ipf', baseUrl: 'http://127.0.0.1:1/v1' });
    expect(await token({ HCLOUD_TOKEN: 'hc', HCLOUD_ENDPOINT: 'http://127.0.0.1:2/v1' })).toEqual({
      token: 'hc',
      baseUrl: 'http://127.0.0.1:2/v1',
    });
    await expect(token({})).rejects.toThrow(
      'need a Hetzner Cloud API token: set IPFERRY_HETZNER_TOKEN_SECRET (a Secrets Manager secret), IPFERRY_HETZNER_TOKEN or HCLOUD_TOKEN',
    );
  });

  it('Robot: the secret\'s {"user","password"}, else IPFERRY_ROBOT_USER and IPFERRY_ROBOT_PASSWORD; flags win over the environment\'s endpoints', async () => {
    const config = cluster(psk, { robot: true });
    const readSecret = secrets({ rb: '{"user":"u1","password":"p1"}', bad: '{"user":"u1"}' });
    const robot = async (env: NodeJS.ProcessEnv, robotUrl?: string) =>
      (await controlSecrets({ config, env: { ...TOKEN, ...env }, readSecret, endpoints: { robotUrl } })).credentials
        .hetznerRobot;
    expect(await robot({ IPFERRY_ROBOT_SECRET: 'rb', IPFERRY_ROBOT_USER: 'u2', IPFERRY_ROBOT_PASSWORD: 'p2' })).toEqual(
      { user: 'u1', password: 'p1' },
    );
    expect(
      await robot(
        { IPFERRY_ROBOT_USER: 'u2', IPFERRY_ROBOT_PASSWORD: 'p2', IPFERRY_ROBOT_API_URL: 'http://127.0.0.1:3' },
        'http://127.0.0.1:4',
      ),
    ).toEqual({ user: 'u2', password: 'p2', baseUrl: 'http://127.0.0.1:4' });
    await expect(robot({ IPFERRY_ROBOT_USER: 'u2' })).rejects.toThrow('IPFERRY_ROBOT_PASSWORD is not set');
    await expect(robot({ IPFERRY_ROBOT_SECRET: 'bad' })).rejects.toThrow(
      'IPFERRY_ROBOT_SECRET (bad) must hold {"user":"…","password":"…"}',
    );
    await expect(robot({})).rejects.toThrow(
      'hetzner-robot-failover-ip VIPs need the Robot web service user and password',
    );
  });
});
