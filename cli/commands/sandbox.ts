// `redis-ha sandbox` (what `npm start` runs): a real failover on this machine, end to end.
// Starts one password-protected master, two replicas and three sentinels on free loopback
// ports, writes an inventory with platform parameters, watches, SIGKILLs the master and
// prints the timeline. Exits 0 only if the parameters end up pointing at the new master.
// Then rotates the password with zero downtime and prints that timeline too.
// Always stops its processes; never prints a password.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { JsonLogger } from '../../functions/adapters/local/json-logger';
import { openLocalBackend, type LocalBackend } from '../../functions/adapters/local/local-backend';
import { isSentinel, type SentinelCluster } from '../../functions/core/inventory';
import { RotationRunner } from '../../functions/control/rotation-runner';
import { EventType, type CloudEvent } from '../../functions/core/events';
import { reconcileCluster, type ControlDeps } from '../../functions/control/reconcile';
import { Watcher } from '../../functions/control/watcher';
import { localControlDeps, localRotationDeps } from '../../functions/wiring/local';
import { type Io } from '../context';
import { ExitCode } from '../exit-codes';
import { maskSecrets, table } from '../format';
import { clusterEntryFor, inventoryOrThrow } from '../../sandbox/inventory';
import { assertRedisServerInstalled, Topology } from '../../sandbox/topology';

const FAILOVER_DEADLINE_MS = 30_000;
const SANDBOX_GRACE_MS = 2000;

/** The platform parameters the sandbox keeps pointed at the master (formats from the vendor guides). */
export const SANDBOX_PLATFORM_PARAMETERS = {
  '/sandbox/itential/redis/host': '{{host}}',
  '/sandbox/itential/redis/port': '{{port}}',
  '/sandbox/tyk/redis/addrs': '{{host}}:{{port}}',
  '/sandbox/rp-pam/redis/connectionString':
    '{{host}}:{{port}},password={{password}},ssl={{tls}},abortConnect=false',
  '/sandbox/creatio/redis/sentinel': 'sentinelHosts={{sentinels}};masterName={{masterName}}',
} as const;

interface Mark {
  readonly atMs: number;
  readonly what: string;
}

export async function sandboxCommand(flags: { json: boolean }, io: Io): Promise<ExitCode> {
  // With --json the narrative goes to stderr, so that stdout holds only the JSON result.
  const narrate = flags.json ? io.stderr : io.stdout;
  narrate(`redis-ha sandbox: ${assertRedisServerInstalled()}\n`);
  const password = randomBytes(24).toString('base64url');
  const workDir = mkdtempSync(join(tmpdir(), 'redis-ha-sandbox-'));
  const secrets = [password];
  const say = (text: string) => narrate(maskSecrets(text, secrets));
  let topology: Topology | undefined;
  let watcher: Watcher | undefined;
  const backend = openLocalBackend(join(workDir, 'store'));
  try {
    say('starting 1 master + 2 replicas + 3 sentinels on loopback ...\n');
    topology = await Topology.start({ password, masterName: 'sandbox' });
    const inventoryFile = join(workDir, 'redis-ha.yaml');
    const rawInventory = {
      probeIntervalSeconds: 5,
      clusters: [
        clusterEntryFor(topology, {
          name: 'sandbox',
          passwordParameter: '/sandbox/redis/password',
          platformParameters: SANDBOX_PLATFORM_PARAMETERS,
        }),
      ],
    };
    const inventory = inventoryOrThrow(rawInventory);
    writeFileSync(inventoryFile, stringify(rawInventory));
    const cluster = inventory.clusters[0];
    if (!cluster || !isSentinel(cluster))
      throw new Error('sandbox inventory has no Sentinel cluster');
    await backend.parameters.put(cluster.passwordParameter, password, { isSecure: true });
    say(`inventory: ${inventoryFile}\nsentinels: ${cluster.sentinels.join(', ')}\n`);

    let t0 = performance.now();
    const marks: Mark[] = [];
    const mark = (what: string) => marks.push({ atMs: performance.now() - t0, what });
    const seen = new Set<string>();
    let changed: CloudEvent | undefined;
    let onParametersAfterChange: (() => void) | undefined;
    const deps = localControlDeps(backend, {
      logger: new JsonLogger(() => undefined, 'silent'),
      source: 'urn:redis-ha:sandbox',
      hooks: {
        onEventPublished: (event) => {
          mark(`event ${event.type} published (id ${event.id.slice(0, 12)})`);
          if (event.type === EventType.masterChanged) changed = event;
        },
        onParametersWritten: (_cluster, names) => {
          if (names.length > 0) mark(`${names.length} platform parameters written`);
          if (changed) onParametersAfterChange?.();
        },
      },
    });
    watcher = new Watcher(inventory, deps, {
      probeIntervalMs: 5000,
      hooks: {
        onSentinelEvent: (_cluster, sentinel, channel) => {
          // The first sighting of each kind of event tells the story; later ones are echoes.
          if (!seen.has(channel)) {
            seen.add(channel);
            mark(`${channel} from sentinel ${sentinel}`);
          }
        },
      },
    });
    await watcher.start();
    await topology.waitFor(
      async () => (await backend.state.getClusterState('sandbox'))?.status === 'ok',
      'first probe',
    );
    await watcher.idle();
    const oldMaster = topology.nodes[0];
    if (!oldMaster) throw new Error('no master');
    say(`healthy: master 127.0.0.1:${oldMaster.port}, parameters initialised\n\n`);

    const done = new Promise<void>((resolve) => (onParametersAfterChange = resolve));
    t0 = performance.now();
    marks.length = 0;
    seen.clear();
    await topology.kill(oldMaster);
    mark(`SIGKILL master 127.0.0.1:${oldMaster.port}`);
    const timedOut = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(true), FAILOVER_DEADLINE_MS).unref(),
      ),
    ]);
    await watcher.idle();

    say('failover timeline (ms after the kill):\n');
    say(
      table(
        ['T+MS', 'WHAT'],
        marks.map((m) => [m.atMs.toFixed(0).padStart(6), m.what]),
      ),
    );
    const newMasterPort = await topology.currentMasterPort();
    const parameters = await backend.parameters.list('/sandbox', { recursive: true });
    say(`\nplatform parameters now (password masked):\n`);
    say(
      table(
        ['NAME', 'VALUE'],
        parameters
          .filter((p) => p.name !== cluster.passwordParameter)
          .map((p) => [p.name, p.value]),
      ),
    );
    const expected = `127.0.0.1:${newMasterPort}`;
    const isPointingAtNewMaster =
      !timedOut &&
      newMasterPort !== null &&
      parameters.find((p) => p.name === '/sandbox/tyk/redis/addrs')?.value === expected &&
      !!changed;
    if (flags.json)
      io.stdout(
        maskSecrets(
          `${JSON.stringify({ marks, newMaster: expected, ok: isPointingAtNewMaster })}\n`,
          secrets,
        ),
      );
    say(
      isPointingAtNewMaster
        ? `\nOK: failover seen and every platform parameter points at the new master ${expected}\n`
        : `\nFAILED: ${timedOut ? `no confirmed failover within ${FAILOVER_DEADLINE_MS} ms` : `parameters do not point at the new master ${expected}`}\n`,
    );
    if (!isPointingAtNewMaster || newMasterPort === null) return ExitCode.degraded;

    // A rotation needs every node up (a down node would miss the new password): bring the old
    // master back; sentinel turns it into a replica of the new one.
    say(
      `\nrestarting the old master 127.0.0.1:${oldMaster.port}; sentinel makes it a replica ...\n`,
    );
    const rejoinStarted = performance.now();
    await topology.restartWith(oldMaster);
    await topology.waitFor(
      async () =>
        (await reconcileCluster(cluster, deps, { isReadOnly: true })).verdict.status === 'ok',
      'the old master to rejoin as a replica',
      60_000,
    );
    say(`healthy again after ${(performance.now() - rejoinStarted).toFixed(0)} ms\n`);

    const isRotated = await rotateInSandbox({
      cluster,
      deps,
      backend,
      topology,
      masterPort: newMasterPort,
      say,
      secrets,
    });
    return isRotated ? ExitCode.ok : ExitCode.degraded;
  } finally {
    await watcher?.stop();
    await topology?.stop();
    backend.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

interface RotationDemo {
  readonly cluster: SentinelCluster;
  readonly deps: ControlDeps;
  readonly backend: LocalBackend;
  readonly topology: Topology;
  readonly masterPort: number;
  readonly say: (text: string) => void;
  /** Grows with the new password, so that `say` masks it too. */
  readonly secrets: string[];
}

/** Rotates the password on the failed-over cluster and prints the rotation's timeline. */
async function rotateInSandbox({
  cluster,
  deps,
  backend,
  topology,
  masterPort,
  say,
  secrets,
}: RotationDemo): Promise<boolean> {
  const oldPassword = (await backend.parameters.get(cluster.passwordParameter))?.value ?? '';
  say(`\nrotating the password (grace period ${SANDBOX_GRACE_MS} ms) ...\n`);
  const started = Date.now();
  const record = await new RotationRunner(cluster, localRotationDeps(deps), {
    actor: 'sandbox',
    waitForGrace: true,
    leaseMs: 60_000,
    gracePeriodMs: SANDBOX_GRACE_MS,
  }).run();
  const newPassword = (await backend.parameters.get(cluster.passwordParameter))?.value ?? '';
  secrets.push(newPassword);
  const journal = (await backend.state.readJournal({ rotationId: record.rotationId })).filter(
    (j) => j.rotationId === record.rotationId,
  );
  say('rotation timeline (ms after the start):\n');
  say(
    table(
      ['T+MS', 'STEP', 'OUTCOME'],
      journal.map((j) => [String(Date.parse(j.at) - started).padStart(6), j.step, j.outcome]),
    ),
  );
  const isNewAccepted = await topology.accepts(masterPort, newPassword);
  const isOldRefused = !(await topology.accepts(masterPort, oldPassword));
  const connection =
    (await backend.parameters.get('/sandbox/rp-pam/redis/connectionString'))?.value ?? '';
  const isOk =
    record.phase === 'completed' &&
    isNewAccepted &&
    isOldRefused &&
    connection.includes(`password=${newPassword},`);
  say(
    isOk
      ? `\nOK: rotated with zero downtime; the new password (masked) works, the old one is refused, and\n    /sandbox/rp-pam/redis/connectionString = ${connection}\n`
      : `\nFAILED: rotation ended ${record.phase}${record.error ? ` (${record.error})` : ''}\n`,
  );
  return isOk;
}
