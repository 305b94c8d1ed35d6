// The EventBus contract against every adapter: the local event log, and SNS through the real SDK
// client against a loopback fake of SNS's wire protocol.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnsEventBus } from '../../functions/adapters/aws/sns-event-bus';
import { openLocalBackend } from '../../functions/adapters/local/local-backend';
import type { CloudEvent } from '../../functions/core/events';
import { loopbackClient } from '../support/aws-fakes/loopback';
import { SnsFake } from '../support/aws-fakes/sns-fake';
import { eventBusContract } from './event-bus.contract';

eventBusContract('SqliteEventLog', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ha-contract-'));
  const backend = openLocalBackend(join(dir, 'store'), { envKey: undefined });
  let isOpen = true;
  return {
    bus: backend.events,
    delivered: async () => backend.events.list({ limit: 1000 }).map((logged) => logged.event),
    breakBackend: async () => {
      backend.close();
      isOpen = false;
    },
    cleanup: async () => {
      if (isOpen) backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

eventBusContract('SnsEventBus', async () => {
  const fake = await SnsFake.start();
  const bus = new SnsEventBus({
    topicArn: 'arn:aws:sns:eu-west-1:123456789012:redis-ha-events',
    client: loopbackClient(fake.endpoint),
  });
  return {
    bus,
    delivered: async () => fake.published.map((p) => JSON.parse(p.message) as CloudEvent),
    breakBackend: async () => fake.failAlways({ status: 500, code: 'InternalError' }),
    cleanup: () => fake.stop(),
  };
});
