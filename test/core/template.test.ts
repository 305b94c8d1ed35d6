import { describe, expect, it } from 'vitest';
import {
  isSecretTemplate,
  renderTemplate,
  templateProblems,
  unknownPlaceholders,
} from '../../functions/core/template';

const values = {
  host: '10.0.0.2',
  port: '6380',
  password: 'pw',
  tls: 'true',
  masterName: 'mymaster',
  sentinels: 'a:1,b:2',
  readerHost: 'ro.example',
  readerPort: '6390',
};

describe('templates', () => {
  it.each([
    ['{{host}}:{{port}}', '10.0.0.2:6380'],
    ['{{ host }},password={{password}},ssl={{tls}}', '10.0.0.2,password=pw,ssl=true'],
    ['{{sentinels}},serviceName={{masterName}}', 'a:1,b:2,serviceName=mymaster'],
    ['{{readerHost}}:{{readerPort}}', 'ro.example:6390'],
    ['no placeholders', 'no placeholders'],
  ])('renders %s', (template, expected) => {
    expect(renderTemplate(template, values)).toBe(expected);
  });

  it('marks a template that holds the password as secret', () => {
    expect(isSecretTemplate('redis://:{{password}}@{{host}}')).toBe(true);
    expect(isSecretTemplate('{{host}}:{{port}}')).toBe(false);
  });

  it('lists unknown placeholders', () => {
    expect(unknownPlaceholders('{{host}} {{pasword}} {{Port}}')).toEqual(['pasword', 'Port']);
  });

  it.each([
    ['{{host}:{{port}}', 1],
    ['{host}}:{{port}}', 1],
    ['{{host}}:port}}', 10],
    ['{{}}', 1],
    ['{{ho st}}', 1],
    ['redis://{{host', 9],
  ])('finds the unbalanced placeholder in %s at character %i', (template, at) => {
    expect(templateProblems(template)).toEqual([
      expect.stringMatching(new RegExp(`^unbalanced placeholder at character ${at} `)),
    ]);
  });

  it.each(['{{host}}:{{port}}', '{"addr":{"host":"{{host}}"}}', '{{{host}}}', 'no placeholders'])(
    'finds nothing wrong in %s (single braces stay legal)',
    (template) => {
      expect(templateProblems(template)).toEqual([]);
    },
  );

  it('names unknown placeholders among the problems', () => {
    expect(templateProblems('{{hots}}')).toEqual([
      'unknown placeholder {{hots}}; known: host, port, password, tls, masterName, sentinels, readerHost, readerPort',
    ]);
  });
});
