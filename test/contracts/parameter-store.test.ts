// The ParameterStore contract against every adapter: local SQLite, and SSM through the real SDK
// client against a loopback fake of SSM's wire protocol (small pages, so listings span pages).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SsmParameterStore } from '../../functions/adapters/aws/ssm-parameter-store';
import { openLocalBackend } from '../../functions/adapters/local/local-backend';
import { loopbackClient } from '../support/aws-fakes/loopback';
import { SsmFake } from '../support/aws-fakes/ssm-fake';
import { parameterStoreContract } from './parameter-store.contract';

parameterStoreContract('SqliteParameterStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ha-contract-'));
  const backend = openLocalBackend(join(dir, 'store'), { envKey: undefined });
  return {
    store: backend.parameters,
    cleanup: async () => {
      backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

parameterStoreContract('SsmParameterStore', async () => {
  const fake = await SsmFake.start({ pageSize: 3 });
  const store = new SsmParameterStore({
    kmsKeyId: 'alias/redis-ha',
    client: loopbackClient(fake.endpoint),
  });
  return { store, cleanup: () => fake.stop() };
});
