// The ports: what the core needs from the outside world, named for what they do. Adapters
// (local SQLite, ioredis; later SSM, SNS, DynamoDB) implement them; the core never imports one.
import type { ClusterState } from './cluster-state';
import type { Endpoint } from './endpoint';
import type { CloudEvent } from './events';
import type { NodeAnswer, SentinelAnswer } from './observation';
import type { RotationPhase, RotationRecord } from './rotation';

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
  /**
   * Parameters under a hierarchy path, as SSM GetParametersByPath: `path` starts with `/`;
   * `/a` lists `/a/b` (and `/a/b/c` only when `recursive`), never `/ab` or `/a` itself.
   * Sorted by name. `/` with `recursive` lists every parameter.
   */
  list(path: string, options: { readonly recursive: boolean }): Promise<StoredParameter[]>;
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

/**
 * A lease on one cluster's rotation. The owner is the rotation's id, so every step of that
 * rotation (a fresh Lambda, a resumed process) can hold it; `holder` is who runs it right now
 * (`host:pid:uuid` locally, the execution name in Step Functions), for messages and for telling a
 * crashed local runner from a live one.
 */
export interface Lock {
  readonly cluster: string;
  /** The rotation id. */
  readonly owner: string;
  readonly holder: string;
  readonly expiresAt: string;
}

/** Who asks for a rotation lock. */
export interface LockClaim {
  /** The rotation id. */
  readonly owner: string;
  readonly holder: string;
}

/** What `claimEvent` found: publish it, someone already did, or someone is doing it now. */
export type EventClaim = 'claimed' | 'published' | 'busy';

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

/**
 * Durable per-cluster state, event claims, rotation records, locks and the rotation journal:
 * DynamoDB or local SQLite. Every write that two runs could race on is conditional (one item,
 * no transactions) and a lost race is a `StateConflictError`, never a silent overwrite.
 */
export interface StateStore {
  getClusterState(cluster: string): Promise<ClusterState | undefined>;
  /**
   * Commits `state` only if the stored revision is still `expectedRevision` (`null`: nothing is
   * stored yet); else throws `StateConflictError` and writes nothing.
   */
  putClusterState(state: ClusterState, expectedRevision: number | null): Promise<void>;
  listClusterStates(): Promise<ClusterState[]>;

  /**
   * Claims the right to publish event `id` (conditional write). `claimed`: publish it, then call
   * `markEventPublished`. `published`: done before, skip it. `busy`: another run claimed it less
   * than `leaseMs` ago; skip it (if that run dies, its claim expires and a later run publishes:
   * at least once across crashes, once in normal operation).
   */
  claimEvent(id: string, claimant: string, leaseMs: number, now: Date): Promise<EventClaim>;
  markEventPublished(id: string, claimant: string, now: Date): Promise<void>;

  /**
   * Conditional acquire: true when taken because it was free, expired, or already held by the
   * same owner and holder; false otherwise (nothing written). Renews the lease when held.
   */
  acquireLock(cluster: string, claim: LockClaim, leaseMs: number, now: Date): Promise<boolean>;
  getLock(cluster: string): Promise<Lock | undefined>;
  /** Releases only if `owner` (and `holder`, when given) still hold it; else does nothing. */
  releaseLock(cluster: string, owner: string, holder?: string): Promise<void>;

  /** The cluster's latest rotation record (validated), or that of `rotationId`. */
  getRotation(cluster: string, rotationId?: string): Promise<RotationRecord | undefined>;
  /**
   * Writes `record` as the cluster's latest rotation only if the stored latest one is the same
   * rotation in phase `expectedPhase` (`null`: the latest is absent or terminal, so a new
   * rotation may begin); else throws `StateConflictError`. Earlier rotations stay readable by
   * id.
   */
  putRotation(record: RotationRecord, expectedPhase: RotationPhase | null): Promise<void>;
  appendJournal(entry: JournalEntry): Promise<void>;
  /** Oldest first; the last `limit` entries of the cluster (or every cluster), or of a rotation. */
  readJournal(
    filter?: { readonly cluster?: string; readonly rotationId?: string },
    limit?: number,
  ): Promise<JournalEntry[]>;
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
    signal?: AbortSignal,
  ): Promise<SentinelAnswer>;
  queryRole(
    endpoint: Endpoint,
    options: ConnectionOptions,
    signal?: AbortSignal,
  ): Promise<NodeAnswer>;
  /**
   * Runs commands in order on one connection; rejects with a GatewayError on failure. An
   * aborted `signal` closes the connection and rejects with a GatewayError ('timeout').
   */
  run(
    endpoint: Endpoint,
    options: ConnectionOptions,
    commands: readonly (readonly string[])[],
    signal?: AbortSignal,
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

/** What starting a rotation needs: the execution carries these into its first step. */
export interface RotationStartInput {
  readonly cluster: string;
  /** Also the execution's name, so the same rotation can never be started twice. */
  readonly rotationId: string;
  /** Who asked (an IAM ARN for the API, `schedule` for the rotation schedule). */
  readonly actor: string;
  readonly isForced: boolean;
  /** The inventory's grace period when absent. */
  readonly gracePeriodMs?: number;
}

/**
 * Starts a rotation run (a Step Functions execution in AWS). `isAlreadyStarted` is true when a run
 * named `rotationId` existed already (a retried call): nothing new was started, and that is not
 * an error.
 */
export interface RotationStarter {
  start(
    input: RotationStartInput,
  ): Promise<{ readonly executionArn: string; readonly isAlreadyStarted: boolean }>;
}

/** Runs a probe of one cluster now (the probe Lambda in AWS) and returns its report as JSON. */
export interface ProbeInvoker {
  probe(cluster: string, signal?: AbortSignal): Promise<unknown>;
}
