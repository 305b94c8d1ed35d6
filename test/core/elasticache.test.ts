import { describe, expect, it } from 'vitest';
import { parseFailoverMessage } from '../../functions/core/elasticache';

describe('parseFailoverMessage', () => {
  it.each([
    [
      'Failover from primary node orders-001 to replica node orders-002 completed',
      { fromNode: 'orders-001', toNode: 'orders-002' },
    ],
    [
      'Failover from primary node orders-0001-001 to replica node orders-0001-002 complete',
      { fromNode: 'orders-0001-001', toNode: 'orders-0001-002' },
    ],
    [
      'failover from primary node orders-001 to replica node orders-003 completed.',
      { fromNode: 'orders-001', toNode: 'orders-003' },
    ],
    ['Failover to replica node orders-002 completed', { toNode: 'orders-002' }],
    ['Failover to replica node orders-002 complete', { toNode: 'orders-002' }],
  ])('reads the nodes of "%s"', (message, expected) => {
    expect(parseFailoverMessage(message)).toEqual(expected);
  });

  it.each([
    'Test Failover API called for node group 0001',
    'Recovering cache nodes 0001',
    'Finished recovery for cache nodes 0001',
    'Failover from primary node orders-001 to replica node orders-002 started',
    'Cache node 0001 restarted',
    '',
  ])('finds no completed failover in "%s"', (message) => {
    expect(parseFailoverMessage(message)).toBeUndefined();
  });
});
