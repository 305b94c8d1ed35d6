// A bad inventory fails synth with the same path-named messages as `redis-ha validate`, both
// through ControlPlaneInventory and through the CDK app (bin/app.ts) itself.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../functions/core/inventory';
import { ControlPlaneInventory } from '../../lib/control-plane-inventory';
import { parameterNames } from '../../lib/parameter-access';
import { EXAMPLE_INVENTORY } from './control-plane-fixture';

const BAD = `clusters:
  - name: a
    sentinels: ['10.0.0.1:99999']
    masterName: m
    passwordParameter: /redis/a/password
    colour: blue
    platformParameters:
      /tyk/redis/addrs: '{{host}:{{port}}'
`;

const dir = mkdtempSync(join(tmpdir(), 'redis-ha-inventory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CDK app as `cdk synth` would, with the given context. */
function runApp(context: Record<string, unknown>) {
  return spawnSync('npx', ['tsx', 'bin/app.ts'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
      CDK_OUTDIR: join(dir, 'out'),
    },
  });
}

// The app runs in a child process: seconds alone, more on the loaded shared machine.
describe('inventory validation at synth', { timeout: 120_000 }, () => {
  const expected = parseInventory(BAD);
  if (expected.ok) throw new Error('the bad inventory should be invalid');

  it('reports every problem with its path, as redis-ha validate does', () => {
    expect(() => ControlPlaneInventory.fromText(BAD, 'bad.yaml')).toThrow(
      `inventory bad.yaml is invalid:\n${expected.errors.map((e) => `  ${e}`).join('\n')}`,
    );
    expect(expected.errors).toEqual(
      expect.arrayContaining([
        'clusters[0].sentinels[0]: "10.0.0.1:99999": port must be 1-65535',
        'clusters[0]: unknown key(s) "colour"',
      ]),
    );
  });

  it('checks that a TLS caFile exists, as redis-ha validate does', () => {
    const text = `clusters: [{ name: a, sentinels: ['10.0.0.1:26379'], masterName: m, passwordParameter: /r/a, tls: { caFile: ${join(dir, 'nope.pem')} } }]`;
    expect(() => ControlPlaneInventory.fromText(text, 'ca.yaml')).toThrow(
      `inventory ca.yaml is invalid:\n  clusters[0].tls.caFile: "${join(dir, 'nope.pem')}" not found`,
    );
  });

  it('fails the CDK app with those messages and synthesizes nothing', () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, BAD);
    const result = runApp({
      inventory: path,
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: 'subnet-0123456789abcdef0',
      securityGroupId: 'sg-0123456789abcdef0',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`inventory ${path} is invalid:`);
    for (const error of expected.errors) expect(result.stderr).toContain(`  ${error}`);
  });

  it('fails the CDK app when a real inventory comes without its network ids', () => {
    const path = join(dir, 'good.yaml');
    writeFileSync(
      path,
      BAD.replace('99999', '26379')
        .replace('    colour: blue\n', '')
        .replace('{{host}:', '{{host}}:'),
    );
    const result = runApp({ inventory: path, vpcId: 'vpc-0123456789abcdef0' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('missing context subnetIds, securityGroupId');
  });

  it('names a missing inventory file and how to give one', () => {
    expect(() => ControlPlaneInventory.fromFile(join(dir, 'absent.yaml'))).toThrow(
      `inventory ${join(dir, 'absent.yaml')} not found (give one with -c inventory=<file>)`,
    );
  });

  it('derives the parameter names each function may touch from the example inventory', () => {
    expect(parameterNames(ControlPlaneInventory.fromFile(EXAMPLE_INVENTORY).inventory)).toEqual({
      passwords: [
        '/redis/carts/auth-token',
        '/redis/sessions/password',
        '/redis/tokens/password',
        '/redis/tokens/sentinel-password',
      ],
      inFlightCopies: [
        '/redis/carts/auth-token/pending',
        '/redis/carts/auth-token/previous',
        '/redis/sessions/password/pending',
        '/redis/sessions/password/previous',
        '/redis/tokens/password/pending',
        '/redis/tokens/password/previous',
        '/redis/tokens/sentinel-password/pending',
        '/redis/tokens/sentinel-password/previous',
      ],
      platform: [
        '/app/carts/redis',
        '/app/redis/connectionString',
        '/creatio/redis/sentinel',
        '/tyk/redis/addrs',
      ],
    });
  });
});
