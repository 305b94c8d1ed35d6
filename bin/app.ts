// CDK app: instantiates the redis-ha stack. `npx cdk synth` works offline.
import { App } from 'aws-cdk-lib';
import { RedisHaStack } from '../lib/redis-ha-stack';

const app = new App();
new RedisHaStack(app, 'RedisHa', {
  inventoryPath: (app.node.tryGetContext('inventory') as string | undefined) ?? 'redis-ha.yaml',
});
app.synth();
