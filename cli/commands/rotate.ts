// `redis-ha rotate <cluster>`: a zero-downtime password rotation, printed step by step; and
// `redis-ha rotations [cluster]`: the journal (the audit trail) and state, no secret in either.
import { userInfo } from 'node:os';
import { RedisHaError } from '../../functions/core/errors';
import type { RotationRecord } from '../../functions/core/rotation';
import { describeSharedUsers, unpersistedWarning } from '../../functions/core/rotation-preflight';
import {
  RotationAbortRefusedError,
  RotationLockedError,
  RotationRefusedError,
  RotationRunner,
} from '../../functions/control/rotation-runner';
import { localRotationDeps } from '../../functions/wiring/local';
import { openRotations } from './rotations-source';
import {
  controlDeps,
  loadInventory,
  openBackend,
  selectClusters,
  type GlobalOptions,
  type Io,
} from '../context';
import { CliError, ExitCode } from '../exit-codes';
import { table } from '../format';

/** How long a crashed runner's lock outlives it (REDIS_HA_ROTATION_LEASE_MS overrides). */
export function rotationLeaseMs(env: NodeJS.ProcessEnv): number {
  return Number(env.REDIS_HA_ROTATION_LEASE_MS) || 60_000;
}

export async function rotateCommand(
  name: string | undefined,
  flags: {
    gracePeriodMs?: number;
    isForced: boolean;
    isDryRun: boolean;
    /** `--abort`: roll back the rotation in flight (refused once it is published). */
    isAbort?: boolean;
    noWait: boolean;
    json: boolean;
    signal: AbortSignal;
  },
  options: GlobalOptions,
  io: Io,
): Promise<ExitCode> {
  if (!name) throw new CliError(ExitCode.usage, 'rotate: expected a cluster name');
  const [cluster] = selectClusters(loadInventory(options.inventory), [name]);
  if (!cluster) throw new CliError(ExitCode.dataError, `unknown cluster "${name}"`);
  if (
    flags.isAbort &&
    (flags.isDryRun || flags.isForced || flags.noWait || flags.gracePeriodMs !== undefined)
  )
    throw new CliError(
      ExitCode.usage,
      'rotate: --abort takes no other rotate option (--dry-run, --force, --no-wait, --grace)',
    );
  const marks: string[] = [];
  const started = performance.now();
  const backend = openBackend(options);
  try {
    const base = controlDeps(backend, options, io, {
      onEventPublished: (event) =>
        marks.push(`${(performance.now() - started).toFixed(0).padStart(6)} ms  ${event.type}`),
    });
    const runner = new RotationRunner(cluster, localRotationDeps(base), {
      actor: `cli:${userInfo().username}`,
      isForced: flags.isForced,
      waitForGrace: !flags.noWait,
      leaseMs: rotationLeaseMs(io.env),
      signal: flags.signal,
      onNotice: (text) => io.stderr(`redis-ha: ${text}\n`),
      ...(flags.gracePeriodMs !== undefined ? { gracePeriodMs: flags.gracePeriodMs } : {}),
    });
    if (flags.isDryRun) {
      io.stdout(`dry run: nothing will be changed\n${(await runner.plan()).join('\n')}\n`);
      return ExitCode.ok;
    }
    let record: RotationRecord;
    try {
      if (flags.isAbort) {
        const outcome = await runner.abort();
        if (!outcome.record || !outcome.wasInFlight) {
          io.stdout(
            `nothing to abort: no rotation of ${cluster.name} is in flight${outcome.record ? ` (the last one, ${outcome.record.rotationId}, ${outcome.record.phase})` : ''}\n`,
          );
          return ExitCode.ok;
        }
        record = outcome.record;
      } else record = await runner.run();
    } catch (error) {
      if (error instanceof RotationLockedError)
        throw new CliError(ExitCode.tempFail, error.message);
      if (error instanceof RotationRefusedError || error instanceof RotationAbortRefusedError)
        throw new CliError(ExitCode.degraded, error.message);
      if (error instanceof RedisHaError && error.code === 'ROTATION_FAILED')
        throw new CliError(ExitCode.critical, error.message);
      throw error;
    }
    const journal = await backend.state.readJournal({ rotationId: record.rotationId });
    const steps = journal.filter((j) => j.rotationId === record.rotationId);
    if (flags.json) {
      io.stdout(`${JSON.stringify({ record, journal: steps }, null, 2)}\n`);
    } else {
      io.stdout(
        table(
          ['AT', 'STEP', 'OUTCOME', 'DETAIL'],
          steps.map((j) => [j.at, j.step, j.outcome, j.detail]),
        ),
      );
      io.stdout(`\n${marks.join('\n')}\n\nrotation ${record.rotationId}: ${describe(record)}\n`);
    }
    if (flags.isAbort) return ExitCode.ok;
    return record.phase === 'rolled-back' ? ExitCode.degraded : ExitCode.ok;
  } finally {
    backend.close();
  }
}

function describe(record: RotationRecord): string {
  switch (record.phase) {
    case 'completed': {
      const shared = describeSharedUsers(record.sharedPasswordUsers ?? {});
      const unpersisted = record.unpersistedNodes ?? [];
      return [
        `completed: only the new password is valid${shared ? ` (also for ${shared}, which shared the old one)` : ''}, and every parameter holds it`,
        ...(unpersisted.length ? [`warning: ${unpersistedWarning(unpersisted)}`] : []),
      ].join('\n');
    }
    case 'rolled-back':
      return `rolled back (${record.error ?? 'unknown error'}): the old password is still the only one`;
    case 'published':
      return `published; the old password stays valid until ${record.graceEndsAt}, then \`redis-ha watch\` (or \`rotate\` again) removes it`;
    default:
      return `stopped at ${record.phase}`;
  }
}

export async function rotationsCommand(
  names: readonly string[],
  flags: { json: boolean },
  options: GlobalOptions,
  io: Io,
): Promise<ExitCode> {
  const backend = await openRotations(names, options, io);
  try {
    const rows = await Promise.all(
      backend.clusters.map(async (cluster) => ({
        cluster,
        record: (await backend.state.getRotation(cluster)) as RotationRecord | undefined,
        lock: await backend.state.getLock(cluster),
        journal: await backend.state.readJournal({ cluster }, 200),
      })),
    );
    if (flags.json) {
      io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      return ExitCode.ok;
    }
    io.stdout(
      table(
        ['CLUSTER', 'ROTATION', 'PHASE', 'STARTED', 'GRACE ENDS', 'COMPLETED', 'ACTOR'],
        rows.map(({ cluster, record }) => [
          cluster,
          record?.rotationId ?? '-',
          record?.phase ?? 'never rotated',
          record?.startedAt ?? '-',
          record?.graceEndsAt ?? '-',
          record?.completedAt ?? '-',
          record?.actor ?? '-',
        ]),
      ),
    );
    for (const { cluster, journal } of rows) {
      if (journal.length === 0) continue;
      io.stdout(`\njournal of ${cluster}:\n`);
      io.stdout(
        table(
          ['AT', 'ROTATION', 'STEP', 'OUTCOME', 'ACTOR', 'DETAIL'],
          journal.map((j) => [
            j.at,
            j.rotationId.slice(0, 8),
            j.step,
            j.outcome,
            j.actor,
            j.detail,
          ]),
        ),
      );
    }
    return ExitCode.ok;
  } finally {
    backend.close();
  }
}
