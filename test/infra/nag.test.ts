// cdk-nag AwsSolutions (v3: Validations) passes on the control plane, every accepted finding
// acknowledged with a reason in lib/control-plane-nag.ts; a new finding still fails synth.
import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { controlPlaneStack } from './control-plane-fixture';

describe('cdk-nag AwsSolutions', () => {
  it('passes on the control plane for the example inventory', () => {
    const { app } = controlPlaneStack();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('passes with a large inventory shipped in a layer', () => {
    const clusters = Array.from({ length: 12 }, (_, i) => ({
      name: `c${i}`,
      sentinels: ['10.0.0.1:26379'],
      masterName: 'm',
      passwordParameter: `/redis/c${i}/password`,
      rotation: { everyDays: 7 },
    }));
    const { app } = controlPlaneStack({ inventoryText: JSON.stringify({ clusters }) });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('still fails synth on a finding nobody acknowledged', () => {
    const { app, stack } = controlPlaneStack();
    new Queue(stack, 'Unencrypted', { enforceSSL: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/Test\/Unencrypted/);
  });
});
