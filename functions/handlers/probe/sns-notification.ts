// Reads the SNS event that an ElastiCache notification topic delivers to the probe function: one
// zod/mini schema for the envelope, then the message, a JSON object such as
// `{"ElastiCache:FailoverComplete":"sessions-002"}` (some messages add `Replication Group ID` or
// `Cache Cluster ID`). A record that is not such a notification comes back with the reason, never
// thrown: SNS would only redeliver the same bytes. Reasons never quote the message.
import * as z from 'zod/mini';
import type { ElastiCacheNotification } from '../../core/elasticache-notification';

const EVENT_PREFIX = 'ElastiCache:';
/** Message keys besides the events whose value names the group or a node. */
const ID_KEYS = ['Replication Group ID', 'Cache Cluster ID'];

const SnsRecordSchema = z.object({
  EventSource: z.optional(z.string()),
  Sns: z.object({
    Type: z.optional(z.string()),
    MessageId: z.optional(z.string()),
    TopicArn: z.string(),
    Timestamp: z.optional(z.string()),
    Message: z.string(),
  }),
});

/** One SNS record, read as an ElastiCache notification or refused with the reason. */
export type NotificationRecord =
  | {
      readonly ok: true;
      readonly messageId?: string;
      readonly topicArn: string;
      /** When SNS accepted the message (ISO 8601), for the reaction time. */
      readonly timestamp?: string;
      readonly notification: ElastiCacheNotification;
    }
  | { readonly ok: false; readonly messageId?: string; readonly problem: string };

/** An SNS delivery: any object with `Records`, the envelope Lambda uses for SNS. */
export function isSnsEvent(event: object): event is { Records: unknown } {
  return 'Records' in event;
}

/** Every record of an SNS event; a malformed envelope is one refused record. */
export function parseSnsNotifications(event: { Records: unknown }): NotificationRecord[] {
  if (!Array.isArray(event.Records) || event.Records.length === 0)
    return [{ ok: false, problem: 'SNS event: Records is not a non-empty list' }];
  return event.Records.map((record: unknown, index) => parseRecord(record, index));
}

function parseRecord(record: unknown, index: number): NotificationRecord {
  const result = SnsRecordSchema.safeParse(record);
  if (!result.success) {
    const where = result.error.issues
      .map((issue) => `Records[${index}].${issue.path.map(String).join('.')}: ${issue.message}`)
      .join('; ');
    return { ok: false, problem: `SNS event: ${where}` };
  }
  const { Sns: sns, EventSource: source } = result.data;
  const messageId = sns.MessageId;
  const refuse = (problem: string): NotificationRecord => ({
    ok: false,
    ...(messageId ? { messageId } : {}),
    problem: `SNS record ${messageId ?? index}: ${problem}`,
  });
  if (source !== undefined && source !== 'aws:sns')
    return refuse(`EventSource ${JSON.stringify(source)} is not aws:sns`);
  if (sns.Type !== undefined && sns.Type !== 'Notification')
    return refuse(`Type ${JSON.stringify(sns.Type)} is not Notification`);
  const message = readMessage(sns.Message);
  if (typeof message === 'string') return refuse(message);
  const region = regionOfTopic(sns.TopicArn);
  return {
    ok: true,
    ...(messageId ? { messageId } : {}),
    topicArn: sns.TopicArn,
    ...(sns.Timestamp ? { timestamp: sns.Timestamp } : {}),
    notification: { ...message, ...(region ? { region } : {}) },
  };
}

/** The events and ids of a message, or why it is not an ElastiCache notification. */
function readMessage(text: string): Omit<ElastiCacheNotification, 'region'> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `Message is not JSON (${text.length} characters): not an ElastiCache notification`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'Message is not a JSON object: not an ElastiCache notification';
  const entries = Object.entries(value as Record<string, unknown>);
  const events = entries
    .filter(([key]) => key.startsWith(EVENT_PREFIX) && key.length > EVENT_PREFIX.length)
    .map(([key, id]) => ({ name: key.slice(EVENT_PREFIX.length), sourceId: idText(id) }));
  if (events.length === 0)
    return `Message has no "${EVENT_PREFIX}<Event>" entry: not an ElastiCache notification`;
  const otherIds = entries
    .filter(([key, id]) => ID_KEYS.includes(key) && typeof id === 'string' && id !== '')
    .map(([, id]) => id as string);
  return { events, otherIds };
}

function idText(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** `eu-west-1` from `arn:aws:sns:eu-west-1:123456789012:topic`. */
function regionOfTopic(topicArn: string): string | undefined {
  const region = topicArn.split(':')[3];
  return region && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(region) ? region : undefined;
}
