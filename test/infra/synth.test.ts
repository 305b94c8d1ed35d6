// The CDK app synthesizes offline, both in-process and through the pinned CDK CLI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RedisHaStack } from '../../lib/redis-ha-stack';

describe('CDK app', () => {
  it('builds the stack with the inventory path it was given', () => {
    const app = new App();
    const stack = new RedisHaStack(app, 'Test', { inventoryPath: 'prod.yaml' });

    expect(stack.inventoryPath).toBe('prod.yaml');
    expect(Template.fromStack(stack).toJSON()).toHaveProperty('Parameters.BootstrapVersion');
  });

  it('synthesizes through `cdk synth` without reaching AWS', () => {
    const out = mkdtempSync(join(tmpdir(), 'redis-ha-cdk-'));
    try {
      const result = spawnSync('npx', ['cdk', 'synth', '--no-notices', '--quiet', '-o', out], {
        encoding: 'utf8',
        env: { ...process.env, AWS_REGION: 'eu-west-1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      });

      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).artifacts).toHaveProperty(
        'RedisHa',
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
