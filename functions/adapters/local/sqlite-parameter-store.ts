// ParameterStore on the local SQLite file: versioned like SSM, secure values sealed at rest.
import { RedisHaError } from '../../core/errors';
import type { DatabaseSync } from 'node:sqlite';
import type { Clock, ParameterStore, StoredParameter } from '../../core/ports';
import { inTransaction } from './local-database';
import type { SecretBox } from './secret-box';

interface Row {
  name: string;
  version: number;
  value: string;
  is_secure: number;
  updated_at: string;
}

const CURRENT = `SELECT p.* FROM parameters p
  JOIN (SELECT name, MAX(version) AS version FROM parameters GROUP BY name) c
  ON p.name = c.name AND p.version = c.version`;

export class SqliteParameterStore implements ParameterStore {
  constructor(
    private readonly db: DatabaseSync,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  async get(name: string): Promise<StoredParameter | undefined> {
    const row = this.db
      .prepare('SELECT * FROM parameters WHERE name = ? ORDER BY version DESC LIMIT 1')
      .get(name) as Row | undefined;
    return row && this.decode(row);
  }

  async getMany(names: readonly string[]): Promise<Map<string, StoredParameter>> {
    const out = new Map<string, StoredParameter>();
    for (const name of names) {
      const parameter = await this.get(name);
      if (parameter) out.set(name, parameter);
    }
    return out;
  }

  async put(name: string, value: string, options: { readonly isSecure: boolean }): Promise<number> {
    const stored = options.isSecure ? this.box.seal(value) : value;
    return inTransaction(this.db, () => {
      const { version } = this.db
        .prepare('SELECT COALESCE(MAX(version), 0) + 1 AS version FROM parameters WHERE name = ?')
        .get(name) as { version: number };
      this.db
        .prepare(
          'INSERT INTO parameters (name, version, value, is_secure, updated_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(name, version, stored, options.isSecure ? 1 : 0, this.clock.now().toISOString());
      return version;
    });
  }

  async list(path: string, options: { readonly recursive: boolean }): Promise<StoredParameter[]> {
    const base = hierarchyBase(path);
    const rows = this.db
      .prepare(`${CURRENT} WHERE substr(p.name, 1, length(?)) = ? ORDER BY p.name`)
      .all(base, base) as unknown as Row[];
    return rows
      .filter((row) => options.recursive || !row.name.slice(base.length).includes('/'))
      .map((row) => this.decode(row));
  }

  async history(name: string): Promise<StoredParameter[]> {
    const rows = this.db
      .prepare('SELECT * FROM parameters WHERE name = ? ORDER BY version')
      .all(name) as unknown as Row[];
    return rows.map((row) => this.decode(row));
  }

  async delete(name: string): Promise<void> {
    this.db.prepare('DELETE FROM parameters WHERE name = ?').run(name);
  }

  private decode(row: Row): StoredParameter {
    return {
      name: row.name,
      value: row.is_secure ? this.box.open(row.value) : row.value,
      isSecure: row.is_secure === 1,
      version: row.version,
      updatedAt: row.updated_at,
    };
  }
}

/** `/a` or `/a/` -> `/a/`; `/` -> `/`. A path must start with `/`, as in SSM. */
function hierarchyBase(path: string): string {
  if (!path.startsWith('/'))
    throw new RedisHaError(
      'BAD_PARAMETER_PATH',
      `parameter path ${JSON.stringify(path)} must start with /`,
    );
  return path.endsWith('/') ? path : `${path}/`;
}
