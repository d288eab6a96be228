/**
 * `doctor` on the local stack: passes on a project set up with sql/, and names each broken set-up —
 * a missing column, a missing function, the anon key, RLS off, a missing table — with its fix, which
 * when applied makes the check pass again. `sql` prints what a project needs.
 */
import fs from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { doctor } from '../src/ops/doctor.js'
import { packageSqlDir } from '../src/ops/schema-sql.js'
import { validateSync } from '../src/index.js'
import { dealerData, deliveredName, startApp, startPayload, type TestApp } from './support/app.js'
import { supabaseSyncCommand } from './support/cli.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp({ sync: { syncOnInit: false } })
})
afterAll(async () => {
  await app?.close()
})

const failing = async () => (await doctor(app.payload)).checks.filter((c) => !c.ok && !c.skipped)
/** The SQL of a check's fix (the lines after its first). */
const fixSql = (fix: string | undefined) => (fix ?? '').split('\n').slice(1).join('\n')

const cli = (...args: string[]) => supabaseSyncCommand(app.stack, ...args)

describe('doctor', () => {
  it('passes on the local stack, from the command too (exit 0)', async () => {
    const result = await doctor(app.payload)
    expect(result.checks.filter((c) => !c.ok)).toEqual([])
    expect(result.ok).toBe(true)
    const viaCli = await cli('doctor')
    expect(viaCli.code).toBe(0)
    // With or without warnings (the stand-in's 8 s statement timeout: test/doctor-warnings.test.ts).
    expect(viaCli.stdout).toMatch(/^All checks passed[ .]/m)
  }, 90_000)

  it('names a missing column, and its fix makes it pass', async () => {
    await app.supabase.query('alter table public.dealers drop column rooftop_id')
    const [check] = await failing()
    expect(check).toMatchObject({
      name: 'dealers → dealers: columns',
      detail: 'missing: rooftop_id',
    })
    expect(fixSql(check.fix)).toBe(
      'alter table public."dealers" add column if not exists "rooftop_id" text;',
    )
    await app.supabase.query(fixSql(check.fix))
    expect(await failing()).toEqual([])
  })

  it('names a column of the wrong type', async () => {
    await app.supabase.query(
      'alter table public.dealers alter column api_config drop default, alter column api_config type text using api_config::text',
    )
    const [check] = await failing()
    expect(check).toMatchObject({
      name: 'dealers → dealers: column types',
      detail: 'api_config is text, the mapper writes jsonb',
    })
    await app.supabase.query(fixSql(check.fix))
    expect(await failing()).toEqual([])
  })

  it('names a timestamp column without time zone (every row would differ for ever), and its fix brings the rows in sync', async () => {
    const dealer = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await deliveredName(app.stack.supabaseDbUri, dealer)
    // As a table made elsewhere (Drizzle's timestamp()) has it; sql/001 keeps an existing table's types.
    await app.supabase.query(
      "alter table public.dealers alter column created_at type timestamp using created_at at time zone 'UTC'",
    )
    const drifted = await validateSync(app.payload, { collection: 'dealers', record: false })
    expect(drifted.changed).toContainEqual({ id: dealer.id, fields: ['created_at'] })

    const [check] = await failing()
    expect(check).toMatchObject({
      name: 'dealers → dealers: column types',
      detail: 'created_at is timestamp without time zone, the mapper writes timestamptz',
    })
    expect(fixSql(check.fix)).toBe(
      `alter table public."dealers" alter column "created_at" type timestamptz using "created_at" at time zone 'UTC';`,
    )
    await app.supabase.query(fixSql(check.fix))
    expect(await failing()).toEqual([])
    const check2 = await validateSync(app.payload, { collection: 'dealers', record: false })
    expect(check2).toMatchObject({ inSync: true, changed: [] })
  })

  it('passes a timestamptz column with millisecond precision; names one that drops the milliseconds', async () => {
    await app.supabase.query(
      'alter table public.dealers alter column created_at type timestamptz(3)',
    )
    expect(await failing()).toEqual([])
    await app.supabase.query(
      'alter table public.dealers alter column created_at type timestamptz(0)',
    )
    const [check] = await failing()
    expect(check).toMatchObject({
      name: 'dealers → dealers: column types',
      detail: 'created_at is timestamp(0) with time zone, the mapper writes timestamptz',
    })
    await app.supabase.query(fixSql(check.fix))
    expect(await failing()).toEqual([])
  })

  it('names a primary key on another column, or none, and each fix makes id the key', async () => {
    await app.supabase.query(
      'alter table public.dealers drop constraint dealers_pkey, add constraint dealers_other_key primary key (slug)',
    )
    const [other] = await failing()
    expect(other).toMatchObject({
      name: 'dealers → dealers: primary key',
      detail: 'the primary key is slug; the plugin matches rows on id (uuid), Payload ids are uuid',
    })
    await app.supabase.query(fixSql(other.fix))
    expect(await failing()).toEqual([])

    await app.supabase.query('alter table public.dealers drop constraint dealers_pkey')
    const [none] = await failing()
    expect(none.detail).toMatch(/^the primary key is missing/)
    expect(fixSql(none.fix)).toBe('alter table public."dealers" add primary key ("id");')
    await app.supabase.query(fixSql(none.fix))
    expect(await failing()).toEqual([])
  })

  it('names the missing apply function', async () => {
    await app.supabase.query(
      'drop function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz)',
    )
    const [check] = await failing()
    expect(check).toMatchObject({
      name: 'dealers → dealers: apply function',
      detail: 'supabase_sync_apply is not installed',
    })
    expect(check.fix).toContain('sql/002_sync_apply.sql')
    await app.supabase.query(await fs.readFile(`${packageSqlDir}/002_sync_apply.sql`, 'utf8'))
    expect(await failing()).toEqual([])
  })

  it('names an apply function older than the plugin (no version in its comment)', async () => {
    await app.supabase.query(
      'comment on function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz) is null',
    )
    const [check] = await failing()
    expect(check).toMatchObject({ name: 'dealers → dealers: apply function' })
    expect(check.detail).toMatch(/v1, this plugin's sql\/002 is v6: .*trade unique values/)
    await app.supabase.query(
      "comment on function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz) is 'supabase-sync apply v2: …'",
    )
    const [v2] = await failing()
    expect(v2.detail).toMatch(/v2, this plugin's sql\/002 is v6: a call waiting for a lock/)
    await app.supabase.query(
      "comment on function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz) is 'supabase-sync apply v3: …'",
    )
    const [v3] = await failing()
    expect(v3.detail).toMatch(/v3, this plugin's sql\/002 is v6: two rows refused for good/)
    await app.supabase.query(
      "comment on function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz) is 'supabase-sync apply v4: …'",
    )
    const [v4] = await failing()
    expect(v4.detail).toMatch(
      /v4, this plugin's sql\/002 is v6: .*cancelled by the statement timeout/,
    )
    await app.supabase.query(await fs.readFile(`${packageSqlDir}/002_sync_apply.sql`, 'utf8'))
    expect(await failing()).toEqual([])
  })

  it('names an apply function of v5 (its writes would be marked as made around the plugin)', async () => {
    await app.supabase.query(
      "comment on function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz) is 'supabase-sync apply v5: …'",
    )
    const [check] = await failing()
    expect(check.detail).toMatch(/v5, this plugin's sql\/002 is v6: supabase_sync_mark_foreign/)
    await app.supabase.query(await fs.readFile(`${packageSqlDir}/002_sync_apply.sql`, 'utf8'))
    expect(await failing()).toEqual([])
  })

  it('warns of a synced table without the trigger that marks direct edits, and its fix adds it', async () => {
    const directEdits = async () =>
      (await doctor(app.payload)).checks.find((c) => c.name === 'dealers → dealers: direct edits')
    expect(await directEdits()).toMatchObject({ ok: true, detail: expect.stringMatching(/marked/) })
    await app.supabase.query('drop trigger supabase_sync_mark_foreign on public.dealers')
    const check = await directEdits()
    expect(check).toMatchObject({ ok: true, warning: true })
    expect(check?.detail).toMatch(/records no conflict/)
    expect(await failing()).toEqual([])
    await app.supabase.query(fixSql(check?.fix))
    const fixed = await directEdits()
    expect(fixed?.warning).toBeUndefined()
    expect(fixed?.detail).toMatch(/are marked/)
    // The trigger it adds is sql/005's for dealers.
    const shipped = await fs.readFile(`${packageSqlDir}/005_dealers_mark_foreign.sql`, 'utf8')
    expect(shipped).toContain(fixSql(check?.fix).split('\n').slice(1).join('\n'))
  })

  it("sql/002 run inside a migration's transaction is that transaction's: rolled back with it", async () => {
    const comment = (sql: string) =>
      `comment on function public.supabase_sync_apply(text, jsonb, jsonb, text, text, bigint, timestamptz) is '${sql}'`
    await app.supabase.query(comment('supabase-sync apply v3: …'))
    const client = await app.supabase.connect()
    try {
      await client.query('begin')
      await client.query(await fs.readFile(`${packageSqlDir}/002_sync_apply.sql`, 'utf8'))
      await client.query('rollback')
    } finally {
      client.release()
    }
    // An own commit in the script would have committed the migration's transaction half-way.
    const [check] = await failing()
    expect(check.detail).toMatch(/v3, this plugin's sql\/002 is v6/)
    await app.supabase.query(await fs.readFile(`${packageSqlDir}/002_sync_apply.sql`, 'utf8'))
    expect(await failing()).toEqual([])
  })

  it('names unique values checked row by row (a constraint, an index), and its fix makes them deferrable', async () => {
    await app.supabase.query(
      `alter table public.dealers drop constraint dealers_slug_key, add constraint dealers_slug_key unique (slug);
       create unique index dealers_rooftop_unique on public.dealers (rooftop_id)`,
    )
    const [check] = await failing()
    expect(check).toMatchObject({ name: 'dealers → dealers: unique values' })
    expect(check.detail).toMatch(
      /dealers_rooftop_unique \(rooftop_id\), dealers_slug_key \(slug\) checked row by row/,
    )
    await app.supabase.query(fixSql(check.fix))
    expect(await failing()).toEqual([])
    const passed = (await doctor(app.payload)).checks.find(
      (c) => c.name === 'dealers → dealers: unique values',
    )
    expect(passed?.detail).toMatch(/checked at the end of each statement/)
    await app.supabase.query('alter table public.dealers drop constraint dealers_rooftop_unique')
  })

  it('passes a unique index on an expression (it cannot be deferrable), saying so', async () => {
    await app.supabase.query(
      'create unique index dealers_lower_name on public.dealers (lower(name))',
    )
    try {
      expect(await failing()).toEqual([])
      const check = (await doctor(app.payload)).checks.find(
        (c) => c.name === 'dealers → dealers: unique values',
      )
      expect(check?.detail).toMatch(/dealers_lower_name cannot be deferrable/)
    } finally {
      await app.supabase.query('drop index public.dealers_lower_name')
    }
  })

  it('passes a unique constraint a foreign key references (it cannot be deferrable), saying so', async () => {
    await app.supabase.query(
      `alter table public.dealers drop constraint dealers_slug_key, add constraint dealers_slug_key unique (slug);
       create table public.dealer_refs (slug text references public.dealers (slug))`,
    )
    try {
      expect(await failing()).toEqual([])
      const check = (await doctor(app.payload)).checks.find(
        (c) => c.name === 'dealers → dealers: unique values',
      )
      expect(check?.detail).toMatch(
        /dealers_slug_key cannot be deferrable \(a foreign key references it/,
      )
      // sql/001 runs again over such a table (an upgrade): it leaves the key as it is, not fails.
      await app.supabase.query(await fs.readFile(`${packageSqlDir}/001_dealers.sql`, 'utf8'))
    } finally {
      await app.supabase.query(
        `drop table public.dealer_refs;
         alter table public.dealers drop constraint dealers_slug_key,
           add constraint dealers_slug_key unique (slug) deferrable initially immediate`,
      )
    }
  })

  it('names row level security that is off, and a grant that lets anon read', async () => {
    await app.supabase.query(
      'alter table public.dealers disable row level security; grant select on public.dealers to anon',
    )
    const [check] = await failing()
    expect(check).toMatchObject({ name: 'dealers → dealers: row level security' })
    expect(check.fix).toContain('enable row level security')
    await app.supabase.query(fixSql(check.fix))
    expect(await failing()).toEqual([])
  })

  it('names a missing table, with the SQL that creates it', async () => {
    await app.supabase.query('alter table public.dealers rename to dealers_elsewhere')
    try {
      const [check] = await failing()
      expect(check).toMatchObject({
        name: 'dealers → dealers: table',
        detail: 'public.dealers does not exist',
      })
      expect(check.fix).toContain('create table if not exists public.dealers')
    } finally {
      await app.supabase.query('alter table public.dealers_elsewhere rename to dealers')
    }
  })

  it('says when the key is the anon key', async () => {
    const { payload } = await startPayload(
      { ...app.stack, serviceRoleKey: app.stack.anonKey },
      { sync: { syncOnInit: false, queue: { runAfterCommit: false, sweepInterval: false } } },
    )
    try {
      const checks = (await doctor(payload)).checks.filter((c) => !c.ok)
      expect(checks[0]).toMatchObject({
        name: 'service-role key',
        detail: 'this is the anon (public) key, not the service-role key',
      })
      expect(checks[0].fix).toContain('SUPABASE_SERVICE_ROLE_KEY')
    } finally {
      await payload.destroy()
    }
  })

  it('says when the inspect function is missing', async () => {
    await app.supabase.query('drop function public.supabase_sync_inspect(text)')
    try {
      const [check] = await failing()
      expect(check).toMatchObject({
        name: 'inspect function',
        detail: 'supabase_sync_inspect is not installed: the tables cannot be checked',
      })
    } finally {
      await app.supabase.query(await fs.readFile(`${packageSqlDir}/003_sync_inspect.sql`, 'utf8'))
    }
  })
})

describe('sql', () => {
  it('prints what a project needs, idempotent: applied twice to a fresh database, doctor passes', async () => {
    const viaCli = await cli('sql', '--collection', 'dealers')
    expect(viaCli.code).toBe(0)
    expect(viaCli.stdout).toContain('create table if not exists public.dealers')
    expect(viaCli.stdout).toContain('create or replace function public.supabase_sync_apply')
    expect(viaCli.stdout).toContain('create or replace function public.supabase_sync_inspect')
    await app.supabase.query('drop table public.dealers')
    await app.supabase.query(viaCli.stdout)
    await app.supabase.query(viaCli.stdout)
    expect(await failing()).toEqual([])
  }, 90_000)
})
