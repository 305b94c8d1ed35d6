import { describe, expect, it } from 'vitest';
import {
  isSecretTemplate,
  renderTemplate,
  unknownPlaceholders,
} from '../../functions/core/template';

const values = {
  host: '10.0.0.2',
  port: '6380',
  password: 'pw',
  tls: 'true',
  masterName: 'mymaster',
  sentinels: 'a:1,b:2',
};

describe('templates', () => {
  it.each([
    ['{{host}}:{{port}}', '10.0.0.2:6380'],
    ['{{ host }},password={{password}},ssl={{tls}}', '10.0.0.2,password=pw,ssl=true'],
    ['{{sentinels}},serviceName={{masterName}}', 'a:1,b:2,serviceName=mymaster'],
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
});
