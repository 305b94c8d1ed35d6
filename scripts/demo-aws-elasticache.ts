// The ElastiCache part of `npm run demo:aws`: a replication group of the ElastiCache fake on a
// real TLS primary and replica (test CA). The probe Lambda's handler probes it; a TestFailover's
// FailoverComplete notification, delivered as SNS would deliver it, makes the handler re-describe
// the group and publish master.changed; then the SYNTHESIZED rotation state machine rotates the
// AUTH token (ROTATE, grace period, SET) and the real nodes refuse the old token. Prints both
// timelines with the ElastiCache API calls and state changes; secrets masked.
import { randomBytes, randomUUID } from 'node:crypto';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { AwsElastiCacheApi } from '../functions/adapters/aws/elasticache-api';
import { EventType } from '../functions/core/events';
import type { ControlDeps } from '../functions/control/reconcile';
import { createProbeHandler } from '../functions/handlers/probe/probe-handler';
import { PowertoolsLoggerAdapter } from '../functions/handlers/shared/powertools-logger';
import { inventoryOrThrow } from '../sandbox/inventory';
import { loopbackClient } from '../test/support/aws-fakes/loopback';
import { LocalElastiCacheGroup } from '../test/support/elasticache-group';
import {
  elastiCacheEntry,
  notificationEvent,
  withElastiCache,
} from '../test/handlers/elasticache-offline';
import {
  lambdaContext,
  rotationFunction,
  runExecution,
} from '../test/handlers/step-functions-support';
import {
  markExecution,
  parametersTable,
  snsTable,
  Timeline,
  traced,
  type DemoContext,
} from './demo-support';

const GROUP = 'shop';
const GRACE_MS = 2000;
/** How long the fake keeps the group `modifying` after each ModifyReplicationGroup. */
const MODIFYING_MS = 1500;
const TOKEN_PARAMETER = '/shop/redis/auth-token';
const PLATFORM_PARAMETERS = {
  '/shop/app/redis/addr': '{{host}}:{{port}}',
  '/shop/app/redis/reader': '{{readerHost}}:{{readerPort}}',
  '/shop/app/redis/url': 'rediss://:{{password}}@{{host}}:{{port}}',
};

/** Runs the part; true when the failover was acted on and the rotation refused the old token. */
export async function elastiCacheDemo({
  aws,
  definition,
  say,
  secrets,
}: DemoContext): Promise<boolean> {
  // Hex: within ElastiCache's token rules (letters, digits; 16-128 characters).
  const token = randomBytes(24).toString('hex');
  secrets.push(token);
  const publishedBefore = aws.sns.published.length;
  say('\n=== ElastiCache ===\n');
  say(
    `starting replication group ${GROUP}: TLS-only primary + replica (test CA), primary and reader endpoints, the ElastiCache API fake ...\n`,
  );
  let group: LocalElastiCacheGroup | undefined;
  try {
    group = await LocalElastiCacheGroup.start({
      replicationGroupId: GROUP,
      authToken: token,
      fakeOptions: { modifyingMs: MODIFYING_MS },
    });
    const { fake } = group;
    const inventory = inventoryOrThrow({
      clusters: [
        elastiCacheEntry(group, {
          name: GROUP,
          passwordParameter: TOKEN_PARAMETER,
          platformParameters: PLATFORM_PARAMETERS,
        }),
      ],
    });
    const quiet = new PowertoolsLoggerAdapter(new PowertoolsLogger({ logLevel: 'SILENT' }));
    const deps = withElastiCache(aws.controlDeps(quiet), fake);
    await deps.parameters.put(TOKEN_PARAMETER, token, { isSecure: true });
    say(`seeded ${TOKEN_PARAMETER} (the AUTH token) as a SecureString\n`);
    say(
      `group ${GROUP}: primary endpoint ${text(group.primaryEndpoint)}, reader endpoint ${text(group.readerEndpoint)}; nodes ${group.nodes.map((n) => `${n.cacheClusterId} 127.0.0.1:${n.port}`).join(', ')}\n`,
    );

    // --- failover: TestFailover, then ElastiCache's notification to the probe function -------
    const failover = new Timeline();
    const probe = createProbeHandler(() => ({
      inventory,
      control: traced(deps, failover),
      logger: quiet,
      metrics: { count: () => undefined, milliseconds: () => undefined },
    }));
    const first = (await probe({ clusters: [GROUP] }, lambdaContext(30_000))) as {
      results: readonly { verdict?: { status: string } }[];
    };
    const firstStatus = first.results[0]?.verdict?.status ?? 'failed';
    say(`probe function, on-demand probe: ${GROUP} ${firstStatus}; platform parameters written\n`);
    if (firstStatus !== 'ok') return false;

    const api = new AwsElastiCacheApi({ client: loopbackClient(fake.endpoint) });
    const from = { events: fake.events.length, changes: fake.changes.length };
    const notified = new Promise<string>((resolve) => fake.onNotification(resolve));
    failover.restart();
    await api.testFailover(GROUP, '0001');
    failover.mark('TestFailover shop 0001 answered (ElastiCache API)');
    const message = await notified;
    failover.mark(`SNS delivers ${message} to the probe function`);
    const summary = (await probe(notificationEvent(message), lambdaContext(30_000))) as {
      clusters?: readonly { status?: string; events?: readonly string[] }[];
    };
    failover.mark(
      `probe function returned: ${GROUP} ${summary.clusters?.[0]?.status ?? '?'}, events ${(summary.clusters?.[0]?.events ?? []).join(', ') || 'none'}`,
    );
    for (const event of fake.events.slice(from.events))
      failover.mark(
        `ElastiCache event ${event.sourceIdentifier}: ${event.message}`,
        Date.parse(event.date),
      );
    for (const change of fake.changes.slice(from.changes))
      failover.mark(`ElastiCache ${change.what}`, change.at);
    say('\nfailover timeline (ms after the TestFailover call):\n');
    say(failover.render());
    const changed = aws.sns.published
      .slice(publishedBefore)
      .filter((m) => m.attributes.type?.stringValue === EventType.masterChanged)
      .map((m) => (JSON.parse(m.message) as { data: Record<string, unknown> }).data);
    const behind = await group.nodeBehind(group.primaryEndpoint.port, token);
    const addr = aws.ssm.versions('/shop/app/redis/addr').at(-1)?.value;
    const reactionMs =
      (failover.msUntil(`SNS Publish ${EventType.masterChanged}`) ?? Number.NaN) -
      (failover.msUntil('SNS delivers') ?? Number.NaN);
    const isFailedOver =
      changed.length === 1 &&
      changed[0]?.previousCacheClusterId === 'shop-001' &&
      changed[0]?.currentCacheClusterId === 'shop-002' &&
      behind === group.primary.port &&
      addr === text(group.primaryEndpoint);
    say(
      isFailedOver
        ? `OK: master.changed shop-001 -> shop-002 published ${reactionMs.toFixed(0)} ms after the notification; /shop/app/redis/addr = ${addr}, the primary endpoint, unchanged (its name follows the primary, as ElastiCache's DNS does): over TLS it now reaches shop-002\n`
        : `FAILED: master.changed ${JSON.stringify(changed.map((c) => [c.previousCacheClusterId, c.currentCacheClusterId]))}, primary endpoint reaches 127.0.0.1:${behind}, addr ${addr ?? 'unset'}\n`,
    );
    if (!isFailedOver) return false;

    // --- AUTH token rotation, through the synthesized state machine ---------------------------
    const rotation = new Timeline();
    const logLines: string[] = [];
    const fn = rotationFunction({
      inventory,
      aws,
      output: (line) => logLines.push(line),
      decorate: (d: ControlDeps) => traced(withElastiCache(d, fake), rotation),
    });
    const rotationId = randomUUID();
    const requestsFrom = fake.requests.length;
    const changesFrom = fake.changes.length;
    say(
      `\nrotation ${rotationId}: the synthesized state machine, every task on the rotation Lambda's handler (grace ${GRACE_MS} ms; the fake keeps the group modifying ${MODIFYING_MS} ms per change) ...\n`,
    );
    rotation.restart();
    const run = await runExecution(
      definition,
      { cluster: GROUP, rotationId, actor: 'demo', isForced: false, gracePeriodMs: GRACE_MS },
      fn.invoke,
      { waitGraceMs: GRACE_MS + 100, retryMs: 250 },
    );
    markExecution(rotation, run.events);
    const requests = fake.requests.slice(requestsFrom);
    for (const request of requests.filter((r) => r.action === 'ModifyReplicationGroup'))
      rotation.mark(
        `ElastiCache ModifyReplicationGroup AuthTokenUpdateStrategy=${request.params.AuthTokenUpdateStrategy ?? ''} -> HTTP ${request.status}`,
        request.at,
      );
    for (const change of fake.changes.slice(changesFrom))
      rotation.mark(`ElastiCache ${change.what}`, change.at);
    const newToken = aws.ssm.versions(TOKEN_PARAMETER).at(-1)?.value ?? '';
    secrets.push(newToken);
    say('rotation timeline (ms after the execution started):\n');
    say(rotation.render());
    const describes = requests.filter((r) => r.action === 'DescribeReplicationGroups').length;
    const ports = [group.primaryEndpoint.port, ...group.nodes.map((n) => n.port)];
    const isNewAccepted = (
      await Promise.all(ports.map((port) => group?.accepts(port, newToken)))
    ).every(Boolean);
    const isOldRefused = (
      await Promise.all(ports.map(async (port) => !(await group?.accepts(port, token))))
    ).every(Boolean);
    const leaked = [JSON.stringify(run.events), ...logLines].some(
      (line) => line.includes(token) || (newToken !== '' && line.includes(newToken)),
    );
    const isRotated =
      !run.failure && newToken !== token && isNewAccepted && isOldRefused && !leaked;
    say(
      isRotated
        ? `OK: execution succeeded (${describes} DescribeReplicationGroups while waiting for available); the new token (masked) works on the primary endpoint and both nodes over TLS, the old one is refused; ${logLines.length} handler log/EMF lines and the execution history hold no token\n`
        : `FAILED: execution ${run.failure ?? 'succeeded'}, new accepted ${isNewAccepted}, old refused ${isOldRefused}, token in logs ${leaked}\n`,
    );

    say('\nSNS messages of this part (attributes, in order):\n');
    say(snsTable(aws, publishedBefore));
    say('\nSSM parameters now (SecureString values masked):\n');
    say(await parametersTable(deps, '/shop/'));
    return isRotated;
  } finally {
    await group?.stop();
  }
}

function text(endpoint: { readonly host: string; readonly port: number }): string {
  return `${endpoint.host}:${endpoint.port}`;
}
