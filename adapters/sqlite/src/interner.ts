import type BetterSqlite3 from 'better-sqlite3';

/**
 * Ids of rows stored once and referenced by id (resources, scopes). Records converted from one SDK provider share
 * their resource and scope objects, so the id is found by object first and the JSON is encoded once per object.
 */
export class Interner {
  private readonly byJson = new Map<string, number>();
  private byObject = new WeakMap<object, number>();
  constructor(
    private readonly stmt: (sql: string) => BetterSqlite3.Statement,
    private readonly table: 'resources' | 'scopes',
  ) {}
  id<T extends object>(value: T, encode: (value: T) => string): number {
    const known = this.byObject.get(value);
    if (known !== undefined) return known;
    const id = this.idOfJson(encode(value));
    this.byObject.set(value, id);
    return id;
  }
  idOfJson(json: string): number {
    let id = this.byJson.get(json);
    if (id === undefined) {
      this.stmt(`INSERT OR IGNORE INTO ${this.table} (json) VALUES (?)`).run(json);
      id = (this.stmt(`SELECT id FROM ${this.table} WHERE json = ?`).get(json) as { id: number }).id;
      this.byJson.set(json, id);
    }
    return id;
  }
  /** Forgets every id: after a rolled-back transaction some may not exist. */
  clear(): void {
    this.byJson.clear();
    this.byObject = new WeakMap();
  }
}
