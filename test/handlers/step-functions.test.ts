// The deployment's own logic end to end, offline: the SYNTHESIZED rotation state machine run by
// aws-local-stepfunctions, every Task bound to the REAL rotation handler on the AWS adapters
// (dynalite as the table, loopback fakes as SSM and SNS), rotating a real Sentinel topology.
// The cases share one topology and run in order: each starts from the password SSM holds then.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SentinelCluster } from '../../functions/core/inventory';
import { reconcileCluster } from '../../functions/control/reconcile';
import { PowertoolsLoggerAdapter } from '../../functions/handlers/shared/powertools-logger';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { accepts } from '../support/rotation';
import { expectNoSecret, fingerprint } from '../support/secrets';
import {
  Harness,
  inventoryFor,
  PASSWORD,
  PASSWORD_PARAMETER,
  TOPOLOGY_START_MAX_MS,
  type Topology,
} from '../support/topology';
import {
  KMS_KEY,
  OfflineAws,
  rotationFunction,
  runExecution,
  synthesizedRotationDefinition,
  type AslDefinition,
  type ExecutionRun,
} from './step-functions-support';

const harness = new Harness();
let aws: OfflineAws;
let topology: Topology;
let definition: AslDefinition;
const inventory = () => inventoryFor(topology);
const cluster = () => inventory().clusters[0] as SentinelCluster;
const GRACE_MS = 1000;

beforeAll(async () => {
  definition = synthesizedRotationDefinition();
  [aws, topology] = await Promise.all([OfflineAws.start(), harness.topology()]);
  const deps = quietDeps();
  await deps.parameters.put(PASSWORD_PARAMETER, PASSWORD, { isSecure: true });
  // The probe function's first run: cluster state in DynamoDB, platform parameters in SSM.
  await reconcileCluster(cluster(), deps);
}, TOPOLOGY_START_MAX_MS);

afterAll(async () => {
  await harness.cleanup();
  await aws?.stop();
});

/** The offline AWS deps for the test's own looks and writes (logging nothing). */
const quietDeps = () =>
  aws.controlDeps(new PowertoolsLoggerAdapter(new PowertoolsLogger({ logLevel: 'SILENT' })));

/** The password SSM holds now (the fake's latest version). */
const currentPassword = () => aws.ssm.versions(PASSWORD_PARAMETER).at(-1)?.value ?? '';

/** One rotation through the state machine; `faults` and `around` inject crashes. */
async function rotate(
  rotationId: string,
  options: Partial<Parameters<typeof rotationFunction>[0]> & {
    around?: Parameters<typeof runExecution>[3]['around'];
  } = {},
) {
  const logs: string[] = [];
  const fn = rotationFunction({
    inventory: inventory(),
    aws,
    output: (line) => logs.push(line),
    ...options,
  });
  const run = await runExecution(
    definition,
    { cluster: 'test', rotationId, actor: 'test', isForced: false, gracePeriodMs: GRACE_MS },
    fn.invoke,
    {
      waitGraceMs: GRACE_MS + 200,
      retryMs: 20,
      ...(options.around ? { around: options.around } : {}),
    },
  );
  const record = await aws
    .controlDeps(new PowertoolsLoggerAdapter(new PowertoolsLogger({ logLevel: 'SILENT' })))
    .state.getRotation('test', rotationId);
  return { run, logs, record };
}

/** State names in the order they were entered. */
const entered = (run: ExecutionRun) =>
  run.events.filter((e) => e.type === 'StateEntered').map((e) => e.state?.name);
const retried = (run: ExecutionRun) =>
  run.events.filter((e) => e.type === 'StateRetried').map((e) => e.state?.name);
const rotationEventTypes = (from: number) =>
  aws.sns.published
    .slice(from)
    .map((m) => m.attributes.type?.stringValue ?? '')
    .filter((type) => type.startsWith('redis-ha.rotation.'));

describe('the synthesized rotation state machine on the real rotation handler', () => {
  it('rotates the password end to end: SSM, platform parameters, Redis, SNS and DynamoDB agree, and no secret leaks', async () => {
    const oldPassword = currentPassword();
    const published = aws.sns.published.length;

    const { run, logs, record } = await rotate('sfn-happy');
    const newPassword = currentPassword();
    const stored = aws.ssm.versions(PASSWORD_PARAMETER).at(-1);
    const url = aws.ssm.versions('/test/app/url').at(-1);
    const masterPort = await topology.currentMasterPort([newPassword]);

    expect(run.failure).toBeUndefined();
    expect(run.output).toEqual({
      cluster: 'test',
      rotationId: 'sfn-happy',
      actor: 'test',
      isForced: false,
      phase: 'completed',
      graceSeconds: 0,
    });
    expect(entered(run)).toEqual([
      'Start',
      'StorePending',
      'AddPassword',
      'UpdateSentinels',
      'Verify',
      'Publish',
      'WaitGrace',
      'RemoveOld',
      'Finish',
      'Succeed',
    ]);
    // The grace period the execution input asked for (request.gracePeriodMs), not the inventory's.
    const publish = run.events.find((e) => e.type === 'StateExited' && e.state?.name === 'Publish');
    expect(publish?.state?.output).toMatchObject({ phase: 'published', graceSeconds: 1 });
    expect(fingerprint(newPassword)).not.toBe(fingerprint(oldPassword));
    expect(stored).toMatchObject({ type: 'SecureString', keyId: KMS_KEY });
    expect(url).toMatchObject({ type: 'SecureString', keyId: KMS_KEY });
    expect(url?.value === `redis://:${newPassword}@127.0.0.1:${masterPort}`).toBe(true);
    expect(aws.ssm.versions('/test/app/addr').at(-1)?.value).toBe(`127.0.0.1:${masterPort}`);
    for (const node of topology.nodes) {
      expect(await accepts(topology, node.port, newPassword), `new on ${node.port}`).toBe(true);
      expect(await accepts(topology, node.port, oldPassword), `old on ${node.port}`).toBe(false);
    }
    expect(rotationEventTypes(published)).toEqual([
      'redis-ha.rotation.started',
      'redis-ha.rotation.succeeded',
      'redis-ha.rotation.completed',
    ]);
    expect(record).toMatchObject({ phase: 'completed', actor: 'test' });
    // Every line carries the cluster and the rotation id as correlation id.
    const lines = logs.filter((l) => l.includes('"level"')).map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatchObject({ cluster: 'test', correlation_id: 'sfn-happy' });
    expectNoSecret(
      [
        JSON.stringify(run.output),
        JSON.stringify(run.events),
        ...logs,
        JSON.stringify(record),
        ...aws.sns.published.map((m) => JSON.stringify(m)),
      ],
      { 'new password': newPassword, 'old password': oldPassword },
    );
  });

  it('resumes after tasks crash before running and after their phase committed: retries finish the rotation, nothing done twice', async () => {
    const oldPassword = currentPassword();
    const published = aws.sns.published.length;
    const crashes = new Set([
      'before Verify',
      'rotation:after-sentinels-updated',
      'rotation:after-published',
    ]);

    const { run, record } = await rotate('sfn-crash', {
      // The control plane dies right after a phase committed (journal written, record saved).
      faults: (point) => {
        if (crashes.delete(point)) throw new Error(`simulated crash at ${point}`);
      },
      // The Lambda dies before the handler runs (a runtime exit Step Functions sees as an error).
      around: async (state, call) => {
        if (crashes.delete(`before ${state}`))
          throw Object.assign(new Error('RequestId: x Error: Runtime exited'), {
            name: 'Runtime.ExitError',
          });
        return call();
      },
    });
    const newPassword = currentPassword();
    const journal = await quietDeps().state.readJournal({ rotationId: 'sfn-crash' });

    expect(crashes.size).toBe(0);
    expect(run.failure).toBeUndefined();
    expect(run.output).toMatchObject({ rotationId: 'sfn-crash', phase: 'completed' });
    expect(retried(run)).toEqual(['UpdateSentinels', 'Verify', 'Publish']);
    expect(record?.phase).toBe('completed');
    expect(journal.filter((j) => j.outcome === 'done').map((j) => j.step)).toEqual([
      'started',
      'pending-stored',
      'nodes-added',
      'sentinels-updated',
      'verified',
      'published',
      'old-removed',
      'completed',
    ]);
    expect(rotationEventTypes(published)).toEqual([
      'redis-ha.rotation.started',
      'redis-ha.rotation.succeeded',
      'redis-ha.rotation.completed',
    ]);
    expect(fingerprint(newPassword)).not.toBe(fingerprint(oldPassword));
    for (const node of topology.nodes) {
      expect(await accepts(topology, node.port, newPassword), `new on ${node.port}`).toBe(true);
      expect(await accepts(topology, node.port, oldPassword), `old on ${node.port}`).toBe(false);
    }
  });

  it('rolls back a failure before Publish: a data node dies after Start, AddPassword fails, the old password stays everywhere and the execution fails RolledBack', async () => {
    const oldPassword = currentPassword();
    const versions = aws.ssm.versions(PASSWORD_PARAMETER).length;
    const replica = topology.nodes[2];
    if (!replica) throw new Error('no replica');

    const { run, logs, record } = await rotate('sfn-rollback', {
      around: async (state, call) => {
        const output = await call();
        if (state === 'Start') await topology.kill(replica);
        return output;
      },
    });

    expect(run.failure).toBe('RolledBack');
    expect(entered(run)).toEqual([
      'Start',
      'StorePending',
      'AddPassword',
      'RollBack',
      'RolledBack',
    ]);
    expect(retried(run)).toEqual([]);
    const caught = run.events.find(
      (e) => e.type === 'StateFailed' && e.state?.name === 'AddPassword',
    );
    expect(caught?.Error).toBe('RotationStepFailed');
    expect(record?.phase).toBe('rolled-back');
    expect(aws.ssm.versions(PASSWORD_PARAMETER)).toHaveLength(versions);
    expect(fingerprint(currentPassword())).toBe(fingerprint(oldPassword));
    for (const node of topology.nodes.filter((n) => n !== replica))
      expect(await accepts(topology, node.port, oldPassword), `old on ${node.port}`).toBe(true);
    const emf = logs.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
    expect(emf).toContainEqual(
      expect.objectContaining({ RotationsFailed: 1, service: 'redis-ha' }),
    );
    // The password StorePending generated, deleted by the rollback: the fake saw it written.
    const pending = aws.ssm
      .requestsOf('PutParameter')
      .filter((r) => r.input.Name === `${PASSWORD_PARAMETER}/pending`)
      .at(-1)?.input.Value as string;
    expect(typeof pending).toBe('string');
    expect(aws.ssm.versions(`${PASSWORD_PARAMETER}/pending`)).toEqual([]);
    expectNoSecret([JSON.stringify(run.events), ...logs, JSON.stringify(record)], {
      'old password': oldPassword,
      'abandoned new password': pending,
    });
  });
});
