// The rotation as Step Functions runs it: one task per phase, each in a fresh "Lambda" (new
// backend and dependencies, nothing carried in memory), outputs chained as the next inputs, a
// Wait for the grace period, retried tasks, a crash after a commit, a second start refused, and
// the catch path that rolls back before publishing. Real redis-server and sentinel processes.
import { afterEach, describe, expect, it } from 'vitest';
import { StateConflictError } from '../../functions/core/errors';
import { isTerminal, type RotationRecord } from '../../functions/core/rotation';
import type { RotationTaskOutput } from '../../functions/core/rotation-task-input';
import { runRotationPhase } from '../../functions/control/rotation-phase';
import { localRotationDeps } from '../../functions/wiring/local';
import { accepts } from '../support/rotation';
import { taskBench } from '../support/rotation-task';
import { expectNoSecret, fingerprint } from '../support/secrets';
import { controlDepsFor, Harness, PASSWORD, PASSWORD_PARAMETER } from '../support/topology';

const harness = new Harness();
afterEach(() => harness.cleanup());

const START = {
  action: 'start',
  cluster: 'test',
  rotationId: 'exec-1',
  actor: 'stepfunctions',
  isForced: false,
  gracePeriodMs: 2000,
};

/** The next state's input from a task's output, as the state machine passes it on. */
const advance = (output: RotationTaskOutput) => ({ ...output, action: 'advance' });

describe('rotation tasks', () => {
  it('rotates through one task per phase in fresh dependencies, a start and a task retried after crashes, changing nothing twice', async () => {
    const topology = await harness.topology();
    const bench = await taskBench(harness, topology);
    const outputs: RotationTaskOutput[] = [];

    // The first start dies after saving the record, before its journal entry and event: the
    // retry announces the rotation, and a second retry does not announce it again.
    const crashedStart = await bench
      .task(START, (point) => {
        if (point === 'rotation:after-started-saved') throw new Error('simulated crash');
      })
      .then(
        () => 'no crash',
        (error: Error) => error.message,
      );
    const started = await bench.task(START);
    const retriedStart = await bench.task(START);
    outputs.push(started);
    let output = started;
    let crash: string | undefined;
    while (!isTerminal(output.phase)) {
      if (output.graceSeconds > 0) bench.wait(output.graceSeconds);
      const input = advance(output);
      if (output.phase === 'nodes-added' && !crash) {
        // The Lambda dies right after step 4 committed: its caller sees an error and retries.
        crash = await bench
          .task(input, (point) => {
            if (point === 'rotation:after-sentinels-updated') throw new Error('simulated crash');
          })
          .then(
            () => 'no crash',
            (error: Error) => error.message,
          );
      }
      output = await bench.task(input);
      outputs.push(output);
      if (output.phase === 'verified') {
        // A late retry of an earlier task finds the record past its phase: a no-op.
        expect(
          await bench.task({ ...START, action: 'advance', expectedPhase: 'nodes-added' }),
        ).toEqual(output);
      }
    }
    const password = (await bench.backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';
    const journal = await bench.backend.state.readJournal({ rotationId: 'exec-1' });
    const events = bench.backend.events.list({ limit: 100 }).map((e) => e.event.type);

    expect(started).toEqual({
      cluster: 'test',
      rotationId: 'exec-1',
      actor: 'stepfunctions',
      isForced: false,
      phase: 'started',
      graceSeconds: 0,
    });
    expect(crashedStart).toBe('simulated crash');
    expect(retriedStart).toEqual(started);
    expect(crash).toBe('simulated crash');
    expect(outputs.map((o) => `${o.phase} ${o.graceSeconds}`)).toEqual([
      'started 0',
      'pending-stored 0',
      'nodes-added 0',
      'sentinels-updated 0',
      'verified 0',
      'published 2',
      'old-removed 0',
      'completed 0',
    ]);
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
    expect(journal.filter((j) => j.outcome === 'failed')).toEqual([]);
    expect(events.filter((type) => type.startsWith('redis-ha.rotation.'))).toEqual([
      'redis-ha.rotation.started',
      'redis-ha.rotation.succeeded',
      'redis-ha.rotation.completed',
    ]);
    expect(fingerprint(password)).not.toBe(fingerprint(PASSWORD));
    for (const node of topology.nodes) {
      expect(await accepts(topology, node.port, password), `new on ${node.port}`).toBe(true);
      expect(await accepts(topology, node.port, PASSWORD), `old on ${node.port}`).toBe(false);
    }
    expect(
      await bench.backend.parameters.list(`${PASSWORD_PARAMETER}/`, { recursive: true }),
    ).toEqual([]);
    expect(await bench.backend.state.getLock('test')).toBeUndefined();
    expectNoSecret(
      [
        JSON.stringify(outputs),
        JSON.stringify(journal),
        JSON.stringify(bench.backend.events.list({ limit: 100 })),
        ...bench.logs,
      ],
      { 'new password': password, 'old password': PASSWORD },
    );
  });

  it('refuses a second start while a rotation runs, a task that finds the record elsewhere, and bad input, each by a name Step Functions does not retry', async () => {
    const topology = await harness.topology();
    const bench = await taskBench(harness, topology);

    const first = await bench.task(START);
    const staleRecord = await bench.backend.state.getRotation('test', 'exec-1');
    const second = bench.task({ ...START, rotationId: 'exec-2' });
    await expect(second).rejects.toMatchObject({ name: 'RotationLocked' });
    await expect(second).rejects.toThrow(/cluster test is already rotating/);
    const stored = await bench.task(advance(first));
    // A runner holding a record read before the step above must not redo that step.
    const journalBefore = await bench.backend.state.readJournal({ rotationId: 'exec-1' });
    const stale = runRotationPhase(
      bench.cluster,
      staleRecord as RotationRecord,
      localRotationDeps(controlDepsFor(bench.backend)),
      { holder: 'exec-1', leaseMs: 60_000 },
    );
    await expect(stale).rejects.toThrow(StateConflictError);
    await expect(stale).rejects.toThrow(
      /is at pending-stored, not at started: another run moved it/,
    );
    expect(await bench.backend.state.readJournal({ rotationId: 'exec-1' })).toEqual(journalBefore);
    const ahead = bench.task({ ...START, action: 'advance', expectedPhase: 'verified' });
    await expect(ahead).rejects.toMatchObject({ name: 'StateConflict' });
    await expect(ahead).rejects.toThrow(/is at pending-stored, not verified/);
    await expect(
      bench.task({ ...START, rotationId: 'exec-9', action: 'advance' }),
    ).rejects.toMatchObject({
      name: 'StateConflict',
    });
    await expect(bench.task({ ...START, action: 'advance', isForced: 'no' })).rejects.toMatchObject(
      {
        name: 'BadRotationTaskInput',
        message: 'rotation task input: isForced: expected boolean',
      },
    );
    await expect(bench.task({ ...START, cluster: 'other' })).rejects.toMatchObject({
      name: 'BadRotationTaskInput',
      message: 'rotation task input: cluster: other given, but the task runs for test',
    });
    // The state machine's catch before publishing: roll back, then a new rotation may start.
    const rolledBack = await bench.task({ ...advance(stored), action: 'rollback' });
    const next = await bench.task({ ...START, rotationId: 'exec-2' });
    const closed = await bench.task({ ...advance(next), action: 'rollback' });
    const journal = await bench.backend.state.readJournal({ cluster: 'test' });

    expect(stored.phase).toBe('pending-stored');
    expect(rolledBack).toMatchObject({ rotationId: 'exec-1', phase: 'rolled-back' });
    expect(next).toMatchObject({ rotationId: 'exec-2', phase: 'started' });
    expect(closed).toMatchObject({ rotationId: 'exec-2', phase: 'rolled-back' });
    expect(journal.find((j) => j.step === 'rollback')?.detail).toBe(
      'rolled back by stepfunctions at pending-stored',
    );
    expect(await bench.backend.state.getRotation('test', 'exec-1')).toMatchObject({
      phase: 'rolled-back',
      error: 'rolled back by stepfunctions at pending-stored',
    });
    const stillStored = await bench.backend.parameters.get(PASSWORD_PARAMETER);
    expect(stillStored && fingerprint(stillStored.value)).toBe(fingerprint(PASSWORD));
    for (const node of topology.nodes)
      expect(await accepts(topology, node.port, PASSWORD), `old on ${node.port}`).toBe(true);
    expect(
      await bench.backend.parameters.list(`${PASSWORD_PARAMETER}/`, { recursive: true }),
    ).toEqual([]);
    expect(await bench.backend.state.getLock('test')).toBeUndefined();
  });

  it('returns rolling-back when a step fails before publishing, and the rollback task, retried after a crash half-way, restores the old password', async () => {
    const topology = await harness.topology();
    const bench = await taskBench(harness, topology);
    const replica = topology.nodes[2];
    if (!replica) throw new Error('no replica');

    const started = await bench.task({ ...START, isForced: true });
    await topology.kill(replica);
    const stored = await bench.task(advance(started));
    const failed = await bench.task(advance(stored));
    // The first rollback attempt dies half-way (sentinels reverted, nodes not yet): retryable.
    const crashed = bench.task({ ...advance(failed), action: 'rollback' }, (point) => {
      if (point === 'rotation:rolling-back-sentinels-reverted') throw new Error('simulated crash');
    });
    await expect(crashed).rejects.toMatchObject({ code: 'ROTATION_FAILED', name: 'RedisHaError' });
    const midway = await bench.backend.state.getRotation('test', 'exec-1');
    const rolledBack = await bench.task({ ...advance(failed), action: 'rollback' });
    const retried = await bench.task({ ...advance(failed), action: 'rollback' });
    const record = await bench.backend.state.getRotation('test', 'exec-1');

    expect(failed).toMatchObject({ phase: 'rolling-back', isForced: true });
    expect(midway?.phase).toBe('rolling-back');
    expect(rolledBack.phase).toBe('rolled-back');
    expect(retried).toEqual(rolledBack);
    expect(record?.error).toMatch(new RegExp(`127\\.0\\.0\\.1:${replica.port}`));
    for (const node of topology.nodes.slice(0, 2))
      expect(await accepts(topology, node.port, PASSWORD), `old on ${node.port}`).toBe(true);
    expect(bench.backend.events.list({ limit: 50 }).map((e) => e.event.type)).toContain(
      'redis-ha.rotation.rolled-back',
    );
    expect(await bench.backend.state.getLock('test')).toBeUndefined();
  });

  it('rolls forward after publishing: a step 7 that fails on a dead node is retryable, and the retry finishes once it is back', async () => {
    const topology = await harness.topology();
    const bench = await taskBench(harness, topology);
    const replica = topology.nodes[2];
    if (!replica) throw new Error('no replica');

    let output = await bench.task(START);
    while (output.phase !== 'published') output = await bench.task(advance(output));
    const published = output;
    await topology.kill(replica);
    bench.wait(published.graceSeconds);
    const failed = bench.task(advance(published));
    await expect(failed).rejects.toMatchObject({ code: 'ROTATION_FAILED', name: 'RedisHaError' });
    await expect(failed).rejects.toThrow(/failed at published: .*; run it again to resume/);
    const afterFailure = await bench.backend.state.getRotation('test', 'exec-1');
    await topology.restartWith(replica);
    output = await bench.task(advance(published));
    while (!isTerminal(output.phase)) output = await bench.task(advance(output));
    const password = (await bench.backend.parameters.get(PASSWORD_PARAMETER))?.value ?? '';
    const failedEvent = bench.backend.events
      .list({ limit: 100 })
      .map((e) => e.event)
      .find((e) => e.type === 'redis-ha.rotation.failed');

    expect(afterFailure?.phase).toBe('published');
    expect(output.phase).toBe('completed');
    expect(failedEvent?.data).toMatchObject({ phase: 'published', willResume: true });
    for (const node of topology.nodes) {
      expect(await accepts(topology, node.port, password), `new on ${node.port}`).toBe(true);
      expect(await accepts(topology, node.port, PASSWORD), `old on ${node.port}`).toBe(false);
    }
    expect(await bench.backend.state.getLock('test')).toBeUndefined();
  });
});
