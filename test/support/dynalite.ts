// A real DynamoDB engine for tests: dynalite (in memory) on a free loopback port, and fresh state
// tables created from the same definition the adapter exports. Always stop it in afterAll.
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClientConfig, type AwsClientOptions } from '../../functions/adapters/aws/aws-clients';
import { stateTableDefinition } from '../../functions/adapters/aws/dynamodb-state-store';
import { loopbackClient } from './aws-fakes/loopback';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: { createTableMs?: number }) => Server;

export class Dynalite {
  private tables = 0;

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    readonly client: DynamoDBClient,
  ) {}

  static async start(): Promise<Dynalite> {
    const server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new DynamoDBClient(awsClientConfig(loopbackClient(endpoint)));
    return new Dynalite(server, endpoint, client);
  }

  /** Client options that reach this server (fast retries). */
  clientOptions(): AwsClientOptions {
    return loopbackClient(this.endpoint);
  }

  /** Creates a fresh, empty state table and waits until it is ACTIVE; returns its name. */
  async createStateTable(): Promise<string> {
    this.tables += 1;
    const tableName = `redis-ha-state-${this.tables}`;
    await this.client.send(new CreateTableCommand(stateTableDefinition(tableName)));
    for (;;) {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') return tableName;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    this.client.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
