// What the CLI reads from its environment, and how it refuses a bad value: a usage error that
// names the variable and the value, before anything is dialled or opened.
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes';
import { cli } from '../support/in-process-cli';

describe('REDIS_HA_PROBE_CONCURRENCY', () => {
  it.each(['0', '-3', '1.5', 'many', '1e400'])(
    'refuses %j with a usage error naming the variable and the value',
    async (value) => {
      const result = await cli(['probe', '-i', '/nonexistent/redis-ha.yaml'], {
        env: { REDIS_HA_PROBE_CONCURRENCY: value },
      });

      expect(result.code).toBe(ExitCode.usage);
      expect(result.stderr).toBe(
        `redis-ha: REDIS_HA_PROBE_CONCURRENCY: expected a whole number from 1, got ${JSON.stringify(value)}\n`,
      );
    },
  );

  it.each(['4', '', undefined])('accepts %j and goes on to read the inventory', async (value) => {
    const result = await cli(['probe', '-i', '/nonexistent/redis-ha.yaml'], {
      env: value === undefined ? {} : { REDIS_HA_PROBE_CONCURRENCY: value },
    });

    expect(result.code).toBe(ExitCode.noInput);
    expect(result.stderr).toContain('inventory /nonexistent/redis-ha.yaml not found');
  });

  it('is read by probe only: other commands do not trip over a bad value', async () => {
    const result = await cli(['validate', '-i', '/nonexistent/redis-ha.yaml'], {
      env: { REDIS_HA_PROBE_CONCURRENCY: 'many' },
    });

    expect(result.code).toBe(ExitCode.noInput);
  });
});
