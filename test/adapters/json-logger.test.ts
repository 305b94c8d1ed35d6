import { describe, expect, it } from 'vitest';
import { JsonLogger } from '../../functions/adapters/local/json-logger';

describe('JsonLogger', () => {
  it('writes one JSON object per line whose core keys fields cannot replace', () => {
    const lines: string[] = [];
    const logger = new JsonLogger((line) => lines.push(line));

    logger.info('sentinel event', { message: 'payload', level: 'x', cluster: 'c' });

    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'INFO',
      message: 'sentinel event',
      cluster: 'c',
      service: 'redis-ha',
    });
  });

  it('drops lines below its level', () => {
    const lines: string[] = [];
    const logger = new JsonLogger((line) => lines.push(line), 'warn');

    logger.info('quiet');
    logger.error('loud');

    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['loud']);
  });
});
