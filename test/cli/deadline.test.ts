// The deadline tests put on a promise they wait for: a gate never reached must fail the test
// with what it waited for, not hang it until vitest's bare timeout.
import { describe, expect, it } from 'vitest';
import { within } from '../support/deadline';

describe('within', () => {
  it('resolves with the value of a promise that settles in time', async () => {
    await expect(within(Promise.resolve(42), 10_000, 'the answer')).resolves.toBe(42);
  });

  it('passes on the rejection of a promise that fails in time', async () => {
    await expect(within(Promise.reject(new Error('boom')), 10_000, 'x')).rejects.toThrow('boom');
  });

  it('fails naming what it waited for when the promise never settles', async () => {
    await expect(within(new Promise<never>(() => undefined), 50, 'step 4')).rejects.toThrow(
      'timed out after 50 ms waiting for step 4',
    );
  });
});
