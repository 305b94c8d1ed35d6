// `npm run demo:aws`: the AWS deployment run offline, as `npm start` runs the local one. A real
// Sentinel topology; dynalite as the DynamoDB table; loopback fakes of SSM and SNS. The probe
// Lambda's handler, on a scheduled tick, watches while the master is SIGKILLed and acts on the
// failover; then the SYNTHESIZED rotation state machine, run by aws-local-stepfunctions with
// every task on the rotation Lambda's real handler, rotates the password. Prints both
// timelines, the SNS messages and the SSM parameters (secrets masked). Stops everything it
// started; exits 0 only when both worked.
import { randomBytes, randomUUID } from 'node:crypto';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import Redis from 'ioredis';
import { maskSecrets, table } from '../cli/format';
import { EventType } from '../functions/core/events';
import type { SentinelCluster } from '../functions/core/inventory';
import type { EventBus, ParameterStore } from '../functions/core/ports';
import { reconcileCluster, type ControlDeps } from '../functions/control/reconcile';
import { createProbeHandler } from '../functions/handlers/probe/probe-handler';
import { PowertoolsLoggerAdapter } from '../functions/handlers/shared/powertools-logger';
import { clusterEntryFor, inventoryOrThrow } from '../sandbox/inventory';
import { assertRedisServerInstalled, Topology } from '../sandbox/topology';
import {
  lambdaContext,
  OfflineAws,
  rotationFunction,
  runExecution,
  synthesizedRotationDefinition,
  type EventLog,
} from '../test/handlers/step-functions-support';

const FAILOVER_DEADLINE_MS = 30_000;
const GRACE_MS = 2000;
const PASSWORD_PARAMETER = '/demo/redis/password';
const PLATFORM_PARAMETERS = {
  '/demo/tyk/redis/addrs': '{{host}}:{{port}}',
  '/demo/rp-pam/redis/connectionString':
    '{{host}}:{{port}},password={{password}},ssl={{tls}},abortConnect=false',
  '/demo/creatio/redis/sentinel': 'sentinelHosts={{sentinels}};masterName={{masterName}}',
};

interface Mark {
  readonly at: number;
  readonly what: string;
}

/** Marks at wall-clock times, rendered as ms after an origin (the kill, the execution's start). */
class Timeline {
  private origin = Date.now();
  readonly marks: Mark[] = [];
  restart(origin = Date.now()): void {
    this.origin = origin;
    this.marks.length = 0;
  }
  /** Moves the origin, keeping the marks. */
  setOrigin(origin: number): void {
    this.origin = origin;
  }
  mark(what: string, at = Date.now()): void {
    this.marks.push({ at, what });
  }
  render(): string {
    return table(
      ['T+MS', 'WHAT'],
      [...this.marks]
        .sort((a, b) => a.at - b.at)
        .map((m) => [(m.at - this.origin).toFixed(0).padStart(6), m.what]),
    );
  }
}

/** The ports with every SSM write and SNS publish marked on `timeline` (names only). */
function traced(deps: ControlDeps, timeline: Timeline): ControlDeps {
  const parameters: ParameterStore = {
    get: (name) => deps.parameters.get(name),
    getMany: (names) => deps.parameters.getMany(names),
    list: (path, options) => deps.parameters.list(path, options),
    history: (name) => deps.parameters.history(name),
    put: async (name, value, options) => {
      const version = await deps.parameters.put(name, value, options);
      timeline.mark(
        `SSM PutParameter ${name} (${options.isSecure ? 'SecureString' : 'String'}, v${version})`,
      );
      return version;
    },
    delete: async (name) => {
      await deps.parameters.delete(name);
      timeline.mark(`SSM DeleteParameter ${name}`);
    },
  };
  const events: EventBus = {
    publish: async (event) => {
      await deps.events.publish(event);
      timeline.mark(`SNS Publish ${event.type}`);
    },
  };
  return { ...deps, parameters, events };
}

async function main(): Promise<number> {
  const secrets: string[] = [randomBytes(24).toString('base64url')];
  const say = (text: string) => process.stdout.write(maskSecrets(text, secrets));
  const password = secrets[0] as string;
  say(`redis-ha offline AWS deployment demo: ${assertRedisServerInstalled()}\n`);
  const started = Date.now();
  say('synthesizing the stack (bundling skipped) for the rotation state machine ...\n');
  const definition = synthesizedRotationDefinition();
  say(
    `  ${Object.keys(definition.States).length} states: ${Object.keys(definition.States).join(', ')}\n`,
  );
  say('starting 1 master + 2 replicas + 3 sentinels, dynalite, SSM and SNS fakes ...\n');
  let topology: Topology | undefined;
  let aws: OfflineAws | undefined;
  const subscribers: Redis[] = [];
  try {
    [topology, aws] = await Promise.all([
      Topology.start({ password, masterName: 'demo' }),
      OfflineAws.start(),
    ]);
    const inventory = inventoryOrThrow({
      clusters: [
        clusterEntryFor(topology, {
          name: 'demo',
          passwordParameter: PASSWORD_PARAMETER,
          platformParameters: PLATFORM_PARAMETERS,
        }),
      ],
    });
    const cluster = inventory.clusters[0] as SentinelCluster;
    const quiet = new PowertoolsLoggerAdapter(new PowertoolsLogger({ logLevel: 'SILENT' }));
    const deps = aws.controlDeps(quiet);
    await deps.parameters.put(PASSWORD_PARAMETER, password, { isSecure: true });
    say(`seeded ${PASSWORD_PARAMETER} as a SecureString under ${aws.settings.kmsKey}\n`);
    say(`sentinels: ${cluster.sentinels.join(', ')}\n\n`);

    // --- failover, through the probe Lambda's handler ------------------------------------------
    const failover = new Timeline();
    // The story as the sentinels tell it: the first sighting of each event, from any sentinel.
    const seen = new Set<string>();
    for (const sentinel of topology.sentinels) {
      const subscriber = new Redis({
        port: sentinel.port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      subscribers.push(subscriber);
      subscriber.on('error', () => undefined);
      subscriber.on('pmessage', (_pattern, channel: string) => {
        if (['+sdown', '+odown', '+switch-master'].includes(channel) && !seen.has(channel)) {
          seen.add(channel);
          failover.mark(`${channel} from sentinel 127.0.0.1:${sentinel.port}`);
        }
      });
      await subscriber.connect();
      await subscriber.psubscribe('*');
    }
    let onChanged: (() => void) | undefined;
    let isChanged = false;
    const probeDeps = traced(aws.controlDeps(quiet), failover);
    const probe = createProbeHandler(() => ({
      inventory,
      control: {
        ...probeDeps,
        hooks: {
          onEventPublished: (event) => {
            if (event.type === EventType.masterChanged) isChanged = true;
          },
          onParametersWritten: () => {
            if (isChanged) onChanged?.();
          },
        },
      },
      logger: quiet,
      metrics: { count: () => undefined, milliseconds: () => undefined },
    }));
    const stopWatch = new AbortController();
    say('probe Lambda: scheduled tick (probe every cluster, then watch the sentinels) ...\n');
    const tick = probe(
      { kind: 'tick', scheduledTime: new Date().toISOString(), executionId: randomUUID() },
      lambdaContext(70_000),
      { signal: stopWatch.signal },
    );
    await topology.waitFor(
      async () => (await deps.state.getClusterState('demo'))?.status === 'ok',
      'the first probe',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const oldMaster = topology.nodes[0];
    if (!oldMaster) throw new Error('no master');
    say(`healthy: master 127.0.0.1:${oldMaster.port}, platform parameters written\n`);
    const acted = new Promise<void>((resolve) => (onChanged = resolve));
    failover.restart();
    seen.clear();
    await topology.kill(oldMaster);
    failover.mark(`SIGKILL master 127.0.0.1:${oldMaster.port}`);
    const timedOut = await Promise.race([
      acted.then(() => false),
      new Promise<boolean>((resolve) =>
        setTimeout(() => resolve(true), FAILOVER_DEADLINE_MS).unref(),
      ),
    ]);
    // A moment for the other sentinels' echoes, then the tick stops as at its deadline.
    await new Promise((resolve) => setTimeout(resolve, 300));
    stopWatch.abort();
    const summary = await tick;
    say('\nfailover timeline (ms after the kill):\n');
    say(failover.render());
    const newMasterPort = await topology.currentMasterPort();
    const addrs = aws.ssm.versions('/demo/tyk/redis/addrs').at(-1)?.value;
    const isFailedOver = !timedOut && addrs === `127.0.0.1:${newMasterPort}`;
    say(
      isFailedOver
        ? `OK: the probe handler acted on the failover; /demo/tyk/redis/addrs = ${addrs}\n`
        : `FAILED: ${timedOut ? `no action within ${FAILOVER_DEADLINE_MS} ms` : `parameters do not point at 127.0.0.1:${newMasterPort}`}\n`,
    );
    say(`  (the tick, request ${summary.runId.slice(0, 8)}, stopped its watch when asked)\n`);
    if (!isFailedOver || newMasterPort === null) return 1;

    // --- rotation, through the synthesized state machine ---------------------------------------
    say(
      `\nrestarting the old master 127.0.0.1:${oldMaster.port}; sentinel makes it a replica ...\n`,
    );
    await topology.restartWith(oldMaster);
    await topology.waitFor(
      async () =>
        (await reconcileCluster(cluster, deps, { isReadOnly: true })).verdict.status === 'ok',
      'the old master to rejoin as a replica',
      60_000,
    );
    const rotation = new Timeline();
    const logLines: string[] = [];
    const fn = rotationFunction({
      inventory,
      aws,
      output: (line) => logLines.push(line),
      decorate: (d) => traced(d, rotation),
    });
    const rotationId = randomUUID();
    say(
      `rotation ${rotationId}: the synthesized state machine in aws-local-stepfunctions, every task on the rotation Lambda's handler (grace ${GRACE_MS} ms) ...\n`,
    );
    rotation.restart();
    const run = await runExecution(
      definition,
      { cluster: 'demo', rotationId, actor: 'demo', isForced: false, gracePeriodMs: GRACE_MS },
      fn.invoke,
      { waitGraceMs: GRACE_MS + 100, retryMs: 100 },
    );
    for (const event of run.events) {
      const what = stateMark(event);
      if (what) rotation.mark(what, event.timestamp);
      if (event.type === 'ExecutionStarted') rotation.setOrigin(event.timestamp);
    }
    const newPassword = aws.ssm.versions(PASSWORD_PARAMETER).at(-1)?.value ?? '';
    secrets.push(newPassword);
    say('rotation timeline (ms after the execution started):\n');
    say(rotation.render());
    const isNewAccepted = await topology.accepts(newMasterPort, newPassword);
    const isOldRefused = !(await topology.accepts(newMasterPort, password));
    const leaked = [JSON.stringify(run.events), ...logLines].some(
      (text) => text.includes(password) || text.includes(newPassword),
    );
    const isRotated = !run.failure && isNewAccepted && isOldRefused && !leaked;
    say(
      isRotated
        ? `OK: execution succeeded; the new password (masked) works on the master, the old one is refused; ${logLines.length} handler log/EMF lines and the execution history hold no password\n`
        : `FAILED: execution ${run.failure ?? 'succeeded'}, new accepted ${isNewAccepted}, old refused ${isOldRefused}, secret in logs ${leaked}\n`,
    );

    say('\nSNS messages (type attribute, in order):\n');
    say(
      table(
        ['#', 'TYPE', 'SEVERITY'],
        aws.sns.published.map((m, i) => [
          String(i + 1),
          m.attributes.type?.stringValue ?? '',
          m.attributes.severity?.stringValue ?? '',
        ]),
      ),
    );
    say('\nSSM parameters now (SecureString values masked):\n');
    const parameters = await deps.parameters.list('/', { recursive: true });
    say(
      table(
        ['NAME', 'TYPE', 'VERSION', 'VALUE'],
        parameters.map((p) => [
          p.name,
          p.isSecure ? 'SecureString' : 'String',
          String(p.version),
          p.isSecure ? '********' : p.value,
        ]),
      ),
    );
    say(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return isRotated ? 0 : 1;
  } finally {
    for (const subscriber of subscribers) subscriber.disconnect();
    await topology?.stop();
    await aws?.stop();
  }
}

/** One line of the rotation timeline from the execution's history, or undefined to skip it. */
function stateMark(event: EventLog): string | undefined {
  const name = event.state?.name ?? '';
  const phase = (event.state?.output as { phase?: string } | undefined)?.phase;
  switch (event.type) {
    case 'ExecutionStarted':
      return 'execution started';
    case 'StateEntered':
      return name === 'WaitGrace'
        ? 'WaitGrace entered (grace period: old and new both work)'
        : undefined;
    case 'StateExited':
      return phase ? `${name} done: phase ${phase}` : `${name} done`;
    case 'StateRetried':
      return `${name} retried`;
    case 'StateFailed':
      return `${name} failed: ${event.Error ?? ''}`;
    case 'ExecutionSucceeded':
      return 'execution succeeded';
    case 'ExecutionFailed':
      return `execution failed: ${event.Error ?? ''}`;
    default:
      return undefined;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
