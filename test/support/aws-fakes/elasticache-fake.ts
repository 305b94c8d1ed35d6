// A loopback fake of ElastiCache's wire protocol (awsQuery: form-encoded request, XML response)
// for DescribeReplicationGroups, DescribeEvents and ModifyReplicationGroup (AUTH token), with
// ElastiCache's checks (group state, token rules). Records every request and can fail the next ones with a chosen
// status and code, so the real SDK client (retries, XML error parsing) is what gets tested.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, readQueryForm } from './loopback';
import type {
  ElastiCacheEvent,
  ElastiCacheGroup,
  ElastiCacheNodeGroup,
} from '../../../functions/core/elasticache';
import type { Endpoint } from '../../../functions/core/endpoint';

const XMLNS = 'http://elasticache.amazonaws.com/doc/2015-02-02/';

export interface ElastiCacheRequest {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  /** HTTP status the fake answered with. */
  readonly status: number;
}

export interface ElastiCacheFault {
  readonly status: number;
  /** ElastiCache error code, e.g. `Throttling`, `InvalidReplicationGroupState`. */
  readonly code: string;
  readonly message?: string;
}

class ElastiCacheError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class ElastiCacheFake {
  readonly requests: ElastiCacheRequest[] = [];
  /** Groups by id; tests edit them to stage a state. */
  readonly groups = new Map<string, ElastiCacheGroup>();
  /** Events DescribeEvents answers with (filtered by source type, id and start time). */
  readonly events: ElastiCacheEvent[] = [];
  /** The token each group accepts now (plus the previous one while ROTATE is in effect). */
  readonly tokens = new Map<string, string[]>();
  private readonly faults: ElastiCacheFault[] = [];

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<ElastiCacheFake> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new ElastiCacheFake(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    );
    server.on('request', (request, response) => void fake.handle(request, response));
    return fake;
  }

  /** The next `times` requests fail with `fault`. */
  failNext(times: number, fault: ElastiCacheFault): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const params = await readQueryForm(request);
    const action = params.Action ?? '';
    const requestId = randomUUID();
    let status = 200;
    let xml: string;
    try {
      const fault = this.faults.shift();
      if (fault) {
        throw new ElastiCacheError(
          fault.code,
          fault.message ?? `injected ${fault.code}`,
          fault.status,
        );
      }
      xml = responseXml(action, requestId, this.act(action, params));
    } catch (error) {
      const failure =
        error instanceof ElastiCacheError
          ? error
          : new ElastiCacheError('InternalFailure', String(error), 500);
      status = failure.status;
      xml =
        `<ErrorResponse xmlns="${XMLNS}">` +
        `<Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
        `<Code>${failure.code}</Code><Message>${escapeXml(failure.message)}</Message></Error>` +
        `<RequestId>${requestId}</RequestId></ErrorResponse>`;
    }
    this.requests.push({ action, params, status });
    response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
    response.end(xml);
  }

  private act(action: string, params: Record<string, string>): string {
    switch (action) {
      case 'DescribeReplicationGroups': {
        const id = params.ReplicationGroupId;
        const groups = id ? [this.group(id)] : [...this.groups.values()];
        return `<ReplicationGroups>${groups.map(groupXml).join('')}</ReplicationGroups>`;
      }
      case 'ModifyReplicationGroup':
        return groupXml(this.modify(params));
      case 'DescribeEvents':
        return `<Events>${this.events
          .filter(
            (e) =>
              (!params.SourceType || e.sourceType === params.SourceType) &&
              (!params.SourceIdentifier || e.sourceIdentifier === params.SourceIdentifier) &&
              (!params.StartTime || e.date >= params.StartTime),
          )
          .map(
            (e) =>
              `<Event>${el('SourceIdentifier', e.sourceIdentifier)}${el('SourceType', e.sourceType)}` +
              `${el('Message', e.message)}${el('Date', e.date)}</Event>`,
          )
          .join('')}</Events>`;
      default:
        throw new ElastiCacheError('InvalidAction', `fake ElastiCache has no action ${action}`);
    }
  }

  private group(id: string): ElastiCacheGroup {
    const group = this.groups.get(id);
    if (!group) {
      throw new ElastiCacheError(
        'ReplicationGroupNotFoundFault',
        `ReplicationGroup ${id} not found.`,
        404,
      );
    }
    return group;
  }

  private modify(params: Record<string, string>): ElastiCacheGroup {
    const id = params.ReplicationGroupId ?? '';
    const group = this.group(id);
    const token = params.AuthToken;
    const strategy = params.AuthTokenUpdateStrategy;
    if (token === undefined || !strategy) {
      throw new ElastiCacheError(
        'InvalidParameterCombination',
        'AuthToken must be specified with the auth-token-update-strategy',
      );
    }
    // Like a service that echoes its input: the adapter must redact it.
    if (token.length < 16 || token.length > 128 || /[/"@%\s]/.test(token)) {
      throw new ElastiCacheError('InvalidParameterValue', `Invalid AuthToken provided: ${token}`);
    }
    if (group.status !== 'available') {
      throw new ElastiCacheError(
        'InvalidReplicationGroupState',
        `Replication group ${id} is not in the available state.`,
      );
    }
    const previous = this.tokens.get(id) ?? [];
    this.tokens.set(id, strategy === 'ROTATE' ? [...previous.slice(-1), token] : [token]);
    const modified: ElastiCacheGroup = {
      ...group,
      status: 'modifying',
      pendingAuthTokenStatus: strategy === 'ROTATE' ? 'ROTATING' : 'SETTING',
    };
    this.groups.set(id, modified);
    return modified;
  }
}

function responseXml(action: string, requestId: string, result: string): string {
  return (
    `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

function groupXml(group: ElastiCacheGroup): string {
  return (
    `<ReplicationGroup>` +
    el('ReplicationGroupId', group.replicationGroupId) +
    el('Status', group.status) +
    `<PendingModifiedValues>${
      group.pendingAuthTokenStatus ? el('AuthTokenStatus', group.pendingAuthTokenStatus) : ''
    }</PendingModifiedValues>` +
    `<MemberClusters>${group.nodeGroups
      .flatMap((g) => g.members.map((m) => el('ClusterId', m.cacheClusterId)))
      .join('')}</MemberClusters>` +
    `<NodeGroups>${group.nodeGroups.map(nodeGroupXml).join('')}</NodeGroups>` +
    el('AutomaticFailover', group.automaticFailover) +
    el('MultiAZ', group.isMultiAz ? 'enabled' : 'disabled') +
    endpointXml('ConfigurationEndpoint', group.configurationEndpoint) +
    el('ClusterEnabled', String(group.isClusterModeEnabled)) +
    el('ClusterMode', group.isClusterModeEnabled ? 'enabled' : 'disabled') +
    el('AuthTokenEnabled', String(group.isAuthTokenEnabled)) +
    el('TransitEncryptionEnabled', String(group.isTransitEncryptionEnabled)) +
    el('Engine', 'redis') +
    `</ReplicationGroup>`
  );
}

function nodeGroupXml(nodeGroup: ElastiCacheNodeGroup): string {
  return (
    `<NodeGroup>` +
    el('NodeGroupId', nodeGroup.nodeGroupId) +
    el('Status', nodeGroup.status) +
    endpointXml('PrimaryEndpoint', nodeGroup.primaryEndpoint) +
    endpointXml('ReaderEndpoint', nodeGroup.readerEndpoint) +
    (nodeGroup.slots ? el('Slots', nodeGroup.slots) : '') +
    `<NodeGroupMembers>${nodeGroup.members
      .map(
        (m) =>
          `<NodeGroupMember>` +
          el('CacheClusterId', m.cacheClusterId) +
          el('CacheNodeId', m.cacheNodeId) +
          endpointXml('ReadEndpoint', m.readEndpoint) +
          (m.availabilityZone ? el('PreferredAvailabilityZone', m.availabilityZone) : '') +
          (m.currentRole ? el('CurrentRole', m.currentRole) : '') +
          `</NodeGroupMember>`,
      )
      .join('')}</NodeGroupMembers>` +
    `</NodeGroup>`
  );
}

function endpointXml(name: string, endpoint: Endpoint | undefined): string {
  return endpoint
    ? `<${name}>${el('Address', endpoint.host)}${el('Port', String(endpoint.port))}</${name}>`
    : '';
}

function el(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
