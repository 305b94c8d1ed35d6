// lib/ may not import runtime code, so the names both sides must agree on are spelled twice:
// the environment the functions read, the state table's keys, and the stack outputs an operator
// copies into `redis-ha --backend aws`. These tests hold the two spellings equal.
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STATE_TABLE_KEYS } from '../../functions/adapters/aws/dynamodb-state-store';
import { AwsEnv } from '../../functions/wiring/aws';
import { FunctionEnv } from '../../lib/function-environment';
import { controlPlaneStack } from './control-plane-fixture';

describe('runtime and infrastructure agree', () => {
  const { template } = controlPlaneStack();

  it('on the environment variables the functions read', () => {
    expect(AwsEnv).toEqual(FunctionEnv);
  });

  it("on the state table's key schema and TTL attribute", () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: STATE_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: STATE_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: {
        AttributeName: STATE_TABLE_KEYS.timeToLiveAttribute,
        Enabled: true,
      },
    });
  });

  it('outputs what `redis-ha --backend aws` needs: the state table and the key', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['StateTableName', 'KmsKeyId', 'EventTopicArn', 'ApiUrl']),
    );
    const [table] = Object.keys(
      template.findResources('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [
            { AttributeName: STATE_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
            Match.anyValue(),
          ],
        },
      }),
    );
    const [key] = Object.keys(template.findResources('AWS::KMS::Key'));
    expect(outputs.StateTableName?.Value).toEqual({ Ref: table });
    expect(outputs.KmsKeyId?.Value).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
  });
});
