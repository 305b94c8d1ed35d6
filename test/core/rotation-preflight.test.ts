import { describe, expect, it } from 'vitest';
import {
  configFileFromInfo,
  describeSharedUsers,
  sharedPasswordUsers,
  unpersistableRefusal,
  usersHoldingPassword,
} from '../../functions/core/rotation-preflight';

const HASH = '95bdf37e29ffb5511aa878b04661bee69a1bcf59a5284f38fa120294b17f3cdc';
const OTHER = '2a4cdf0b2ac88c34397e737f3c17910b9aebe64ffb6476459d1f3542fc12f4f1';

describe('rotation preflight', () => {
  it('reads the config file from INFO server, empty when the server runs without one', () => {
    expect(
      configFileFromInfo('# Server\r\nredis_version:7.0.15\r\nconfig_file:/etc/redis.conf\r\n'),
    ).toBe('/etc/redis.conf');
    expect(
      configFileFromInfo('# Server\r\nconfig_file:\r\nexecutable:/usr/bin/redis-server\r\n'),
    ).toBe('');
  });

  it('finds the enabled users holding a password by its hash, not disabled or nopass ones', () => {
    const list = [
      `user app on #${HASH} ~* &* +@all`,
      `user default on #${OTHER} #${HASH} ~* &* +@all`,
      `user old off #${HASH} ~* +@all`,
      'user open on nopass ~* +@all',
      `user ops on #${OTHER} +@all`,
    ];

    expect(usersHoldingPassword(list, HASH)).toEqual(['app', 'default']);
    expect(usersHoldingPassword(list, HASH.toUpperCase())).toEqual(['app', 'default']);
  });

  it('names the other users sharing the password per node, and words them by user', () => {
    const shared = sharedPasswordUsers(
      [
        { node: 'a:1', hasConfigFile: true, usersWithOldPassword: ['app', 'default'] },
        { node: 'b:2', hasConfigFile: true, usersWithOldPassword: ['app'] },
        { node: 'c:3', hasConfigFile: true, usersWithOldPassword: ['default', 'ops'] },
      ],
      'app',
    );

    expect(shared).toEqual({ 'a:1': ['default'], 'c:3': ['default', 'ops'] });
    expect(describeSharedUsers(shared)).toBe('default on a:1, c:3; ops on c:3');
  });

  it('refuses nodes without a config file unless rotating in memory only is allowed', () => {
    expect(unpersistableRefusal(['a:1', 'b:2'], false)).toMatch(
      /^a:1, b:2 run without a config file .*rotation\.allowUnpersisted: true/,
    );
    expect(unpersistableRefusal(['a:1'], true)).toBeNull();
    expect(unpersistableRefusal([], false)).toBeNull();
  });
});
