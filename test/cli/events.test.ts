// `redis-ha events`: an empty log says so on stderr, --cluster filters and refuses a cluster
// nobody knows, --follow prints what is published after it started and stops on Ctrl-C, and
// --json prints one JSON object per line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalBackend } from '../../functions/adapters/local/local-backend';
import { buildEvent, EventType, type CloudEvent } from '../../functions/core/events';
import { ExitCode } from '../../cli/exit-codes';
import { cli, startCli, waitFor } from '../support/in-process-cli';
import { Harness } from '../support/topology';

const harness = new Harness();
let dir: string;
let inventory: string;
afterAll(() => harness.cleanup());

beforeAll(() => {
  dir = harness.tempDir();
  inventory = join(dir, 'redis-ha.yaml');
  writeFileSync(
    inventory,
    ['a', 'b', 'quiet']
      .map(
        (name) =>
          `  - name: ${name}\n    sentinels: ["127.0.0.1:26379"]\n    masterName: m\n    passwordParameter: /${name}/password\n`,
      )
      .join('')
      .replace(/^/, 'clusters:\n'),
  );
});

function event(cluster: string, cause: string): CloudEvent {
  return buildEvent({
    source: 'urn:redis-ha:test',
    type: EventType.healthChanged,
    cluster,
    cause,
    severity: 'warning',
    time: new Date('2026-11-25T10:00:00Z'),
    data: { previous: 'ok', status: 'degraded', reasons: [{ code: 'REPLICA_DOWN' }] },
  });
}

/** A store whose log holds the given events, published through the local backend. */
async function storeWith(events: readonly CloudEvent[]): Promise<string> {
  const store = join(harness.tempDir(), 'store');
  const backend = openLocalBackend(store, { envKey: undefined });
  for (const e of events) await backend.events.publish(e);
  backend.close();
  return store;
}

describe('redis-ha events', () => {
  it('says on stderr that the log is empty, and prints nothing on stdout', async () => {
    const store = await storeWith([]);

    const result = await cli(['events', '--store', store, '--json']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`no events in ${store} yet`);
  });

  it('prints one JSON object per line with --json', async () => {
    const store = await storeWith([event('a', '1'), event('b', '2')]);

    const result = await cli(['events', '--store', store, '--json']);
    const lines = result.stdout.trimEnd().split('\n');

    expect(lines.map((line) => (JSON.parse(line) as CloudEvent).subject)).toEqual(['a', 'b']);
    expect(result.stderr).toBe('');
  });

  it('prints only the named cluster with --cluster', async () => {
    const store = await storeWith([event('a', '1'), event('b', '2'), event('a', '3')]);

    const result = await cli(['events', '--store', store, '--cluster', 'a', '-i', inventory]);

    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      expect.stringContaining('  a  redis-ha.health.changed'),
      expect.stringContaining('  a  redis-ha.health.changed'),
    ]);
  });

  it('says a cluster is unknown when neither the inventory nor the log knows it', async () => {
    const store = await storeWith([event('a', '1')]);

    const result = await cli(['events', '--store', store, '--cluster', 'nosuch', '-i', inventory]);

    expect(result.code).toBe(ExitCode.dataError);
    expect(result.stderr).toContain('unknown cluster "nosuch"; known: a, b, quiet');
  });

  it('accepts a cluster of the inventory that has no events yet, and says so', async () => {
    const store = await storeWith([event('a', '1')]);

    const result = await cli(['events', '--store', store, '--cluster', 'quiet', '-i', inventory]);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('no events for quiet');
  });

  it('checks --cluster against the log alone when there is no inventory', async () => {
    const store = await storeWith([event('old', '1')]);
    const missing = join(dir, 'missing.yaml');

    const known = await cli(['events', '--store', store, '--cluster', 'old', '-i', missing]);
    const unknown = await cli(['events', '--store', store, '--cluster', 'nosuch', '-i', missing]);

    expect(known.code).toBe(0);
    expect(known.stdout).toContain('  old  ');
    expect(unknown.code).toBe(ExitCode.dataError);
    expect(unknown.stderr).toContain(`unknown cluster "nosuch" (inventory ${missing} not readable`);
    expect(unknown.stderr).toContain('known: old');
  });

  it('follows: prints an event published after it started, filtered by --cluster, until Ctrl-C', async () => {
    const first = event('a', 'before');
    const store = await storeWith([first]);
    const follow = startCli([
      'events',
      '--follow',
      '--json',
      '--cluster',
      'a',
      '--store',
      store,
      '-i',
      inventory,
    ]);
    const later = event('a', 'after');
    try {
      await waitFor(() => follow.stdout().includes(first.id), 'the existing event');
      const writer = openLocalBackend(store, { envKey: undefined });
      try {
        await writer.events.publish(event('b', 'after'));
        await writer.events.publish(later);
      } finally {
        writer.close();
      }
      await waitFor(() => follow.stdout().includes(later.id), 'the event published later');
    } finally {
      // Ctrl-C even when a wait failed: the follower must not outlive the test.
      follow.stop();
    }
    const result = await follow.done;

    expect(result.code).toBe(0);
    expect(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as CloudEvent).id),
    ).toEqual([first.id, later.id]);
  });
});
