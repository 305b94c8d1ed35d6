import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseInventory } from '../../functions/core/inventory';

const withHysteresis = (alertHysteresis?: unknown) =>
  parseInventory(
    stringify({
      clusters: [
        {
          name: 'sessions',
          sentinels: ['10.0.0.1:26379'],
          masterName: 'mymaster',
          passwordParameter: '/redis/sessions/password',
          ...(alertHysteresis === undefined ? {} : { alertHysteresis }),
        },
      ],
    }),
  );

describe('alertHysteresis in the inventory', () => {
  it('defaults to two probes and a five-second floor', () => {
    const result = withHysteresis();

    expect(result.ok && result.inventory.clusters[0]?.alertHysteresis).toEqual({
      probes: 2,
      seconds: 5,
    });
  });

  it('takes either knob alone and fills in the other', () => {
    const result = withHysteresis({ seconds: 30 });

    expect(result.ok && result.inventory.clusters[0]?.alertHysteresis).toEqual({
      probes: 2,
      seconds: 30,
    });
  });

  it.each([
    [{ probes: 0 }, 'clusters[0].alertHysteresis.probes'],
    [{ probes: 1.5 }, 'clusters[0].alertHysteresis.probes'],
    [{ seconds: -1 }, 'clusters[0].alertHysteresis.seconds'],
    [{ probe: 2 }, 'clusters[0].alertHysteresis: unknown key(s) "probe"'],
  ])('rejects %j with its path', (value, path) => {
    const result = withHysteresis(value);

    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toEqual([expect.stringContaining(path)]);
  });
});
