// The XML shapes of ElastiCache's awsQuery answers, as the API reference documents them
// (DescribeReplicationGroups, DescribeEvents, DescribeUsers, ModifyUser, errors), for the
// loopback fake. Pure rendering: no state, and never a token or password (users carry only a
// password count).
import type {
  ElastiCacheEvent,
  ElastiCacheGroup,
  ElastiCacheNodeGroup,
} from '../../../functions/core/elasticache';
import type { Endpoint } from '../../../functions/core/endpoint';

const XMLNS = 'http://elasticache.amazonaws.com/doc/2015-02-02/';

/** An RBAC user as the fake shows it: no password, only how many there are. */
export interface ElastiCacheUserView {
  readonly userId: string;
  readonly userName: string;
  /** active | modifying */
  readonly status: string;
  readonly accessString: string;
  readonly passwordCount: number;
  readonly userGroupIds: readonly string[];
}

/** `<ActionResponse><ActionResult>result</ActionResult>...` */
export function responseXml(action: string, requestId: string, result: string): string {
  return (
    `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/** awsQuery's error document: `Sender` for 4xx, `Receiver` for 5xx. */
export function errorXml(status: number, code: string, message: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${XMLNS}">` +
    `<Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
    `<Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

export function groupXml(group: ElastiCacheGroup): string {
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
    (group.isTransitEncryptionEnabled ? el('TransitEncryptionMode', 'required') : '') +
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

/** DescribeEvents' result: `<Events><Event>...` and a `Marker` when more follow. */
export function eventsXml(events: readonly ElastiCacheEvent[], marker: string | undefined): string {
  return (
    (marker ? el('Marker', marker) : '') +
    `<Events>${events
      .map(
        (e) =>
          `<Event>` +
          el('SourceIdentifier', e.sourceIdentifier) +
          el('SourceType', e.sourceType) +
          el('Message', e.message) +
          el('Date', e.date) +
          `</Event>`,
      )
      .join('')}</Events>`
  );
}

/** A user's fields, as DescribeUsers lists them (`<member>`) and ModifyUser returns them. */
export function userFieldsXml(user: ElastiCacheUserView, region: string): string {
  return (
    el('UserId', user.userId) +
    el('UserName', user.userName) +
    el('Status', user.status) +
    el('Engine', 'redis') +
    el('MinimumEngineVersion', '6.0') +
    el('AccessString', user.accessString) +
    `<UserGroupIds>${user.userGroupIds.map((id) => el('member', id)).join('')}</UserGroupIds>` +
    `<Authentication>${el('Type', user.passwordCount > 0 ? 'password' : 'no-password')}${el(
      'PasswordCount',
      String(user.passwordCount),
    )}</Authentication>` +
    el('ARN', `arn:aws:elasticache:${region}:123456789012:user:${user.userId}`)
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
