// The ports: what the core needs from the outside world, named for what they do. Adapters
// (local SQLite, ioredis; later SSM, SNS, DynamoDB) implement them; the core never imports one.
import type { ClusterState } from './cluster-state';
import type { Endpoint } from './endpoint';
import type { CloudEvent } from './events';
import type { NodeAnswer, SentinelAnswer } from './observation';

export interface StoredParameter {
  readonly name: string;
  /** Decrypted value. */
  readonly value: string;
  readonly isSecure: boolean;
  readonly version: number;
  readonly updatedAt: string;
}

/** Parameter Store semantics: versioned values, secure ones encrypted at rest. */
export interface ParameterStore {
  get(name: string): Promise<StoredParameter | undefined>;
  getMany(names: readonly string[]): Promise<Map<string, StoredParameter>>;
  /** Writes a new version (overwrite). Returns the version written. */
  put(name: string, value: string, options: { readonly isSecure: boolean }): Promise<number>;
  list(prefix?: string): Promise<StoredParameter[]>;
  /** Every stored version, oldest first (SSM GetParameterHistory). */
  history(name: string): Promise<StoredParameter[]>;
  /** Removes every version; a missing parameter is not an error. */
  delete(name: string): Promise<void>;
}

/** Where events go: SNS in AWS, the local event log (and stdout) on one machine. */
export interface EventBus {
  /** At-least-once; publishing the same id twice must be harmless for subscribers. */
  publish(event: CloudEvent): Promise<void>;
}

/** A lease on one cluster's rotation: a second caller is refused until release or expiry. */
export interface Lock {
  readonly cluster: string;
  readonly owner: string;
  readonly expiresAt: string;
}

/** One audit-trail line of a rotation; never holds a secret. */
export interface JournalEntry {
  readonly rotationId: string;
  readonly cluster: string;
  readonly at: string;
  readonly step: string;
  readonly outcome: 'started' | 'done' | 'failed' | 'skipped';
  readonly actor: string;
  readonly detail: string;
}

/** Durable per-cluster state, locks and the rotation journal: DynamoDB or local SQLite. */
export interface StateStore {
  getClusterState(cluster: string): Promise<ClusterState | undefined>;
  putClusterState(state: ClusterState): Promise<void>;
  listClusterStates(): Promise<ClusterState[]>;
  /** Conditional acquire: true when taken (free, expired, or already ours). */
  acquireLock(cluster: string, owner: string, leaseMs: number, now: Date): Promise<boolean>;
  getLock(cluster: string): Promise<Lock | undefined>;
  releaseLock(cluster: string, owner: string): Promise<void>;
  /** The current record of a cluster's rotation, as the rotation module defines it. */
  getRotation(cluster: string): Promise<Record<string, unknown> | undefined>;
  putRotation(cluster: string, record: Record<string, unknown>): Promise<void>;
  appendJournal(entry: JournalEntry): Promise<void>;
  readJournal(cluster?: string, limit?: number): Promise<JournalEntry[]>;
}

/** How to reach one sentinel or data node. */
export interface ConnectionOptions {
  readonly username?: string;
  readonly password?: string;
  readonly tls?: {
    /** PEM file of the CA to trust; read by the gateway (I/O stays out of control). */
    readonly caFile?: string;
    readonly servername?: string;
    readonly rejectUnauthorized: boolean;
  };
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  /** Renamed commands (`CONFIG` -> `RP_CONFIG_x`), honoured on data nodes. */
  readonly commandRenames?: Readonly<Record<string, string>>;
}

export interface SentinelSubscription {
  close(): Promise<void>;
}

export interface SentinelListener {
  /** A sentinel pub/sub event (`+switch-master`, `+odown`, ...), with its raw payload. */
  onEvent(channel: string, message: string): void;
  /** The subscription is (again) live: messages may have been missed meanwhile. */
  onConnected(): void;
  onDisconnected(detail: string): void;
}

/** Talks to sentinels and data nodes with per-call timeouts; never throws for a dead node. */
export interface RedisGateway {
  querySentinel(
    endpoint: Endpoint,
    options: ConnectionOptions,
    masterName: string,
  ): Promise<SentinelAnswer>;
  queryRole(endpoint: Endpoint, options: ConnectionOptions): Promise<NodeAnswer>;
  /** Runs commands in order on one connection; rejects with a GatewayError on failure. */
  run(
    endpoint: Endpoint,
    options: ConnectionOptions,
    commands: readonly (readonly string[])[],
  ): Promise<unknown[]>;
  subscribe(
    endpoint: Endpoint,
    options: ConnectionOptions,
    listener: SentinelListener,
  ): SentinelSubscription;
}

export interface Clock {
  now(): Date;
}

/** Structured logging; adapters must never be handed a secret in `fields`. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
