import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { inventoryJsonSchema } from '../../cli/main';
import { mapAddress, parseInventory } from '../../functions/core/inventory';

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

    expect(errors).toEqual(['clusters[2].sentinels[0]: expected host:port']);
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
        'clusters[0].sentinels[0]: expected host:port',
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
    expect(errorsOf({ clusters: [], clustres: [] })).toEqual(['(root): unknown key(s) "clustres"']);
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
    if (!c) throw new Error('no cluster');

    expect(mapAddress(c, { host: '10.0.0.5', port: 6379 })).toEqual({
      host: '203.0.113.5',
      port: 16379,
    });
    expect(mapAddress(c, { host: '10.0.0.6', port: 6379 })).toEqual({
      host: '10.0.0.6',
      port: 6379,
    });
  });

  it('keeps the committed JSON Schema in step with the zod schema', () => {
    const committed = JSON.parse(readFileSync('inventory.schema.json', 'utf8')) as unknown;

    expect(committed).toEqual(inventoryJsonSchema());
  });
});
