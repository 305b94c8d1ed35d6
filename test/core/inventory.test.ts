import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { inventoryJsonSchema } from '../../functions/core/inventory-json-schema';
import { isSentinel, mapAddress, parseInventory } from '../../functions/core/inventory';

const cluster = (overrides: Record<string, unknown> = {}) => ({
  name: 'sessions',
  sentinels: ['10.0.0.1:26379', '10.0.0.2:26379', '10.0.0.3:26379'],
  masterName: 'mymaster',
  passwordParameter: '/redis/sessions/password',
  ...overrides,
});
const errorsOf = (doc: unknown) => {
  const result = parseInventory(stringify(doc));
  return result.ok ? [] : result.errors;
};

describe('parseInventory', () => {
  it('accepts a minimal cluster and fills in the defaults', () => {
    const result = parseInventory(stringify({ clusters: [cluster()] }));

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.inventory.clusters[0]).toMatchObject({
      kind: 'sentinel',
      timeouts: { connectMs: 1000, commandMs: 1000 },
      thresholds: { maxReplicationLagBytes: 10 * 1024 * 1024 },
      rotation: { gracePeriod: '30s', length: 48 },
    });
  });

  it('accepts JSON as well as YAML', () => {
    expect(parseInventory(JSON.stringify({ clusters: [cluster()] })).ok).toBe(true);
  });

  it('names the path of a malformed sentinel address', () => {
    const errors = errorsOf({
      clusters: [
        cluster(),
        cluster({ name: 'b' }),
        cluster({ name: 'c', sentinels: ['nohost', '10.0.0.1:26379'] }),
      ],
    });

    expect(errors).toEqual(['clusters[2].sentinels[0]: "nohost": expected host:port']);
  });

  it('reports every problem at once, each with its path', () => {
    const errors = errorsOf({
      clusters: [
        cluster({
          sentinels: ['10.0.0.1:99999'],
          bogus: true,
          platformParameters: { '/p/url': 'redis://{{hots}}' },
        }),
        cluster({ name: 'b', masterName: '' }),
      ],
    });

    expect(errors).toEqual(
      expect.arrayContaining([
        'clusters[0].sentinels[0]: "10.0.0.1:99999": port must be 1-65535',
        'clusters[0]: unknown key(s) "bogus"',
        expect.stringMatching(
          /^clusters\[0\]\.platformParameters\["\/p\/url"\]: unknown placeholder \{\{hots\}\}/,
        ),
        expect.stringMatching(/^clusters\[1\]\.masterName: /),
      ]),
    );
    expect(errors).toHaveLength(4);
  });

  it('rejects duplicate cluster names, naming both places', () => {
    expect(errorsOf({ clusters: [cluster(), cluster()] })).toEqual([
      'clusters[1].name: duplicate cluster name "sessions" (first at clusters[0])',
    ]);
  });

  it('rejects unknown top-level keys', () => {
    expect(errorsOf({ clusters: [cluster()], clustres: [] })).toEqual([
      '(root): unknown key(s) "clustres"',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const result = parseInventory('clusters:\n  - name: a\n   sentinels: [');

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatch(/^line \d+, column \d+: /);
  });

  it('refuses a platform parameter that overwrites the password parameter', () => {
    expect(
      errorsOf({
        clusters: [cluster({ platformParameters: { '/redis/sessions/password': '{{host}}' } })],
      }),
    ).toEqual([
      'clusters[0].platformParameters["/redis/sessions/password"]: a platform parameter cannot be the password parameter or its /pending and /previous copies',
    ]);
  });

  it('refuses a rotation alphabet with characters that break connection strings', () => {
    expect(
      errorsOf({ clusters: [cluster({ rotation: { alphabet: 'abcdefghijklmnop@' } })] }),
    ).toEqual([
      'clusters[0].rotation.alphabet: alphabet must not contain , ; = @ : / quotes, backslash or space',
    ]);
  });

  it('maps announced addresses through the address map and leaves others alone', () => {
    const result = parseInventory(
      stringify({ clusters: [cluster({ addressMap: { '10.0.0.5:6379': '203.0.113.5:16379' } })] }),
    );
    if (!result.ok) throw new Error(result.errors.join());
    const c = result.inventory.clusters[0];
    if (!c || !isSentinel(c)) throw new Error('no Sentinel cluster');

    expect(mapAddress(c, { host: '10.0.0.5', port: 6379 })).toEqual({
      host: '203.0.113.5',
      port: 16379,
    });
    expect(mapAddress(c, { host: '10.0.0.6', port: 6379 })).toEqual({
      host: '10.0.0.6',
      port: 6379,
    });
  });

  it('rejects an inventory without clusters', () => {
    expect(errorsOf({ clusters: [] })).toEqual(['clusters: expected at least one cluster']);
  });

  it('says the value and the allowed range of a bad port', () => {
    expect(
      errorsOf({ clusters: [cluster({ sentinels: ['10.0.0.1:26379', '10.0.0.1:99999'] })] }),
    ).toEqual(['clusters[0].sentinels[1]: "10.0.0.1:99999": port must be 1-65535']);
    expect(
      errorsOf({ clusters: [cluster({ addressMap: { '10.0.0.5:0': '1.2.3.4:6379' } })] }),
    ).toEqual(['clusters[0].addressMap["10.0.0.5:0"]: "10.0.0.5:0": port must be 1-65535']);
  });

  it('reports an unbalanced placeholder in a platform parameter with its path', () => {
    expect(
      errorsOf({
        clusters: [cluster({ platformParameters: { '/tyk/addrs': '{{host}:{{port}}' } })],
      }),
    ).toEqual([
      'clusters[0].platformParameters["/tyk/addrs"]: unbalanced placeholder at character 1 ("{{host}:{{port}}"): write {{name}}',
    ]);
  });

  it.each(
    [
      ['a/b', 'a name with / levels must start with /'],
      ['/a//b', 'empty level'],
      ['/a/b/', 'empty level'],
      ['/a b', 'only letters, digits and _ . - / are allowed'],
      ['/p@ss', 'only letters, digits and _ . - / are allowed'],
      ['/aws/x', 'may not start with "aws" or "ssm"'],
      ['/SSMconfig', 'may not start with "aws" or "ssm"'],
      [`/${Array.from({ length: 16 }, () => 'l').join('/')}`, '16 levels, at most 15'],
      [`/${'x'.repeat(1011)}`, 'at most 1011 characters'],
    ].map(([name = '', why]) => [
      name.length > 40 ? `${name.slice(0, 12)}… (${name.length} characters)` : name,
      name,
      why,
    ]),
  )(
    'refuses a platform parameter name Parameter Store would refuse: %s',
    (_label, name = '', why = '') => {
      const errors = errorsOf({
        clusters: [cluster({ platformParameters: { [name]: '{{host}}' } })],
      });

      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`clusters[0].platformParameters[${JSON.stringify(name)}]: `);
      expect(errors[0]).toContain(why);
    },
  );

  it('accepts the names Parameter Store accepts', () => {
    const names = ['plain', '/a/b.c-d_e', `/${Array.from({ length: 15 }, () => 'l').join('/')}`];

    expect(
      errorsOf({
        clusters: [cluster({ platformParameters: Object.fromEntries(names.map((n) => [n, 'x'])) })],
      }),
    ).toEqual([]);
  });

  it('needs a password parameter that can hold the rotation copies beside it', () => {
    expect(errorsOf({ clusters: [cluster({ passwordParameter: 'password' })] })).toEqual([
      'clusters[0].passwordParameter: "password": must start with / (rotation keeps password/pending and password/previous beside it)',
    ]);
    const deepest = `/${Array.from({ length: 15 }, () => 'l').join('/')}`;
    expect(errorsOf({ clusters: [cluster({ passwordParameter: deepest })] })[0]).toMatch(
      /^clusters\[0\]\.passwordParameter: .*no room for rotation's .*\/previous copy: 16 levels, at most 15/,
    );
  });

  it('keeps the committed JSON Schema in step with the zod schema', () => {
    const committed = JSON.parse(readFileSync('inventory.schema.json', 'utf8')) as unknown;

    expect(committed).toEqual(inventoryJsonSchema());
  });
});

const elastiCache = (overrides: Record<string, unknown> = {}) => ({
  name: 'sessions-ec',
  kind: 'elasticache',
  replicationGroupId: 'sessions',
  region: 'eu-west-1',
  passwordParameter: '/redis/sessions-ec/auth-token',
  ...overrides,
});

describe('parseInventory: kind elasticache', () => {
  it('accepts a minimal replication group with TLS on, cluster mode off and token-safe rotation', () => {
    const result = parseInventory(stringify({ clusters: [cluster(), elastiCache()] }));

    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.inventory.clusters[0]?.kind).toBe('sentinel');
    expect(result.inventory.clusters[1]).toMatchObject({
      kind: 'elasticache',
      tls: { enabled: true, rejectUnauthorized: true },
      clusterMode: 'disabled',
      rotation: {
        gracePeriod: '30s',
        length: 64,
        alphabet: expect.stringMatching(/^[\w!&#$^<>-]+$/),
      },
    });
  });

  it('draws default tokens from letters, digits and -, so a token in a rediss:// URL stays as it is', () => {
    const result = parseInventory(stringify({ clusters: [elastiCache()] }));
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const alphabet = result.inventory.clusters[0]?.rotation.alphabet ?? '';

    // Every character a token may hold, as a password in the URL a platform parameter renders.
    const url = new URL(`rediss://:${alphabet}@master.example.com:6379`);

    expect([...alphabet].sort().join('')).toBe(
      [...'0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'].sort().join(''),
    );
    expect(url.password).toBe(alphabet);
    expect(url.host).toBe('master.example.com:6379');
  });

  it("still takes any of ElastiCache's token symbols in a custom alphabet", () => {
    const alphabet = 'abcdefghijklmnop!&#$^<>-';
    const result = parseInventory(
      stringify({ clusters: [elastiCache({ rotation: { alphabet } })] }),
    );

    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.inventory.clusters[0]?.rotation.alphabet).toBe(alphabet);
  });

  it('names every bad field of an elasticache entry with its path', () => {
    const errors = errorsOf({
      clusters: [
        elastiCache({
          replicationGroupId: 'Sessions_1',
          region: 'europe',
          username: 'app',
          clusterMode: 'on',
          sentinels: ['10.0.0.1:26379'],
          rotation: { length: 200, alphabet: 'abcdefghijklmnop%' },
          platformParameters: { '/app/redis': '{{sentinels}}' },
        }),
      ],
    });

    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^clusters\[0\]\.replicationGroupId: expected 1-40 lower-case/),
        expect.stringMatching(/^clusters\[0\]\.region: expected an AWS Region/),
        expect.stringMatching(/^clusters\[0\]\.clusterMode: /),
        expect.stringMatching(/^clusters\[0\]: unknown key\(s\) "sentinels"/),
        expect.stringMatching(/^clusters\[0\]\.rotation\.length: /),
        expect.stringMatching(/^clusters\[0\]\.rotation\.alphabet: ElastiCache accepts only/),
      ]),
    );
  });

  it('refuses a Sentinel placeholder in an ElastiCache template and a reader one in a Sentinel template', () => {
    const errors = errorsOf({
      clusters: [
        elastiCache({ platformParameters: { '/app/redis': '{{sentinels}}' } }),
        cluster({ platformParameters: { '/app/ro': '{{readerHost}}:{{readerPort}}' } }),
      ],
    });

    expect(errors).toEqual([
      'clusters[0].platformParameters["/app/redis"]: {{sentinels}} has no value for kind elasticache',
      'clusters[1].platformParameters["/app/ro"]: {{readerHost}} has no value for kind sentinel',
      'clusters[1].platformParameters["/app/ro"]: {{readerPort}} has no value for kind sentinel',
    ]);
  });

  it('refuses a mixed-case RBAC user id, which ElastiCache would know only in lower case', () => {
    expect(errorsOf({ clusters: [elastiCache({ userId: 'Checkout-App' })] })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.userId: expected an ElastiCache user id \(lower-case/),
    ]);
    expect(
      errorsOf({ clusters: [elastiCache({ userId: 'checkout-app', username: 'Checkout' })] }),
    ).toEqual([]);
  });

  it('needs userId beside username, and says which kinds exist', () => {
    expect(errorsOf({ clusters: [elastiCache({ username: 'app' })] })).toEqual([
      'clusters[0].username: needs userId: the RBAC user whose password redis-ha rotates',
    ]);
    expect(errorsOf({ clusters: [elastiCache({ kind: 'memcached' })] })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.kind: expected kind sentinel or elasticache/),
    ]);
  });
});
