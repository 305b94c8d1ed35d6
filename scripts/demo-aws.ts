// `npm run demo:aws [-- sentinel|elasticache]`: the AWS deployment run offline, as `npm start`
// runs the local one; dynalite as the DynamoDB table, loopback fakes of SSM and SNS. Sentinel: a
// real topology; the probe Lambda's handler, on a scheduled tick, watches while the master is
// SIGKILLed and acts on the failover; then the SYNTHESIZED rotation state machine, run by
// aws-local-stepfunctions with every task on the rotation Lambda's real handler, rotates the
// password. ElastiCache (scripts/demo-aws-elasticache.ts): the same for a replication group of
// the ElastiCache fake on real TLS nodes. Prints the timelines, the SNS messages and the SSM
// parameters (secrets masked). Stops everything it started; exits 0 only when every part worked.
import { randomBytes, randomUUID } from 'node:crypto';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import Redis from 'ioredis';
import { maskSecrets } from '../cli/format';
import { EventType } from '../functions/core/events';
import type { SentinelCluster } from '../functions/core/inventory';
import { reconcileCluster } from '../functions/control/reconcile';
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
} from '../test/handlers/step-functions-support';
import { elastiCacheDemo } from './demo-aws-elasticache';
import {
  markExecution,
  parametersTable,
  snsTable,
  Timeline,
  traced,
  type DemoContext,
} from './demo-support';

const FAILOVER_DEADLINE_MS = 30_000;
const GRACE_MS = 2000;
const PASSWORD_PARAMETER = '/demo/redis/password';
const PLATFORM_PARAMETERS = {
  '/demo/tyk/redis/addrs': '{{host}}:{{port}}',
  '/demo/rp-pam/redis/connectionString':
    '{{host}}:{{port}},password={{password}},ssl={{tls}},abortConnect=false',
  '/demo/creatio/redis/sentinel': 'sentinelHosts={{sentinels}};masterName={{masterName}}',
};

const PARTS = ['sentinel', 'elasticache'] as const;
type Part = (typeof PARTS)[number];

async function main(args: readonly string[]): Promise<number> {
  const unknown = args.filter((a) => !(PARTS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    process.stderr.write(
      `usage: npm run demo:aws [-- ${PARTS.join('|')}] (unknown: ${unknown.join(', ')})\n`,
    );
    return 2;
  }
  const parts: readonly Part[] = args.length > 0 ? (args as Part[]) : PARTS;
  const secrets: string[] = [];
  const say = (text: string) => process.stdout.write(maskSecrets(text, secrets));
  say(`redis-ha offline AWS deployment demo: ${assertRedisServerInstalled()}\n`);
  const started = Date.now();
  say('synthesizing the stack (bundling skipped) for the rotation state machine ...\n');
  const definition = synthesizedRotationDefinition();
  say(
    `  ${Object.keys(definition.States).length} states: ${Object.keys(definition.States).join(', ')}\n`,
  );
  say('starting dynalite, SSM and SNS fakes ...\n');
  const aws = await OfflineAws.start();
  try {
    const context: DemoContext = { aws, definition, say, secrets };
    const results: boolean[] = [];
    if (parts.includes('sentinel')) results.push(await sentinelDemo(context));
    if (parts.includes('elasticache')) results.push(await elastiCacheDemo(context));
    say(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return results.every(Boolean) ? 0 : 1;
  } finally {
    await aws.stop();
  }
}

/** A real Sentinel topology: failover through the probe handler, then rotation. */
async function sentinelDemo({ aws, definition, say, secrets }: DemoContext): Promise<boolean> {
  const password = randomBytes(24).toString('base64url');
  secrets.push(password);
  const publishedBefore = aws.sns.published.length;
  say('\n=== Sentinel ===\n');
  say('starting 1 master + 2 replicas + 3 sentinels ...\n');
  let topology: Topology | undefined;
  const subscribers: Redis[] = [];
  try {
    topology = await Topology.start({ password, masterName: 'demo' });
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
    if (!isFailedOver || newMasterPort === null) return false;

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
    markExecution(rotation, run.events);
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

    say('\nSNS messages (attributes, in order):\n');
    say(snsTable(aws, publishedBefore));
    say('\nSSM parameters now (SecureString values masked):\n');
    say(await parametersTable(deps, '/demo/'));
    return isRotated;
  } finally {
    for (const subscriber of subscribers) subscriber.disconnect();
    await topology?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
