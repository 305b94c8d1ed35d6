import { describe, expect, it } from 'vitest';
import {
  describeLockHolder,
  isLocalHolderGone,
  localHolder,
  parseLocalHolder,
} from '../../functions/core/rotation-holder';

const SELF = { host: 'ops-1', pid: 100 };
const ALIVE = new Set([100, 200]);

describe('rotation lock holders', () => {
  it.each<[string, { host: string; pid: number } | null, string]>([
    [localHolder('ops-1', 200, 'u-1'), { host: 'ops-1', pid: 200 }, 'process 200 on ops-1'],
    ['fe80::1:4321:u-2', { host: 'fe80::1', pid: 4321 }, 'process 4321 on fe80::1'],
    ['exec-7f3a', null, 'exec-7f3a'],
    ['ops-1:0:u-3', null, 'ops-1:0:u-3'],
    ['ops-1:abc:u-4', null, 'ops-1:abc:u-4'],
  ])('reads %s as %j, described as %s', (holder, parsed, words) => {
    expect(parseLocalHolder(holder)).toEqual(parsed);
    expect(describeLockHolder(holder)).toBe(words);
  });

  it.each<[string, string, boolean]>([
    ['a process on this host that is gone', 'ops-1:300:u', true],
    ['a live process on this host', 'ops-1:200:u', false],
    ['this very process', 'ops-1:100:u', false],
    ['a process on another host', 'ops-2:300:u', false],
    ['a Step Functions execution', 'exec-7f3a', false],
  ])('takes over from %s: %s', (_name, holder, isGone) => {
    expect(isLocalHolderGone(holder, SELF, (pid) => ALIVE.has(pid))).toBe(isGone);
  });
});
