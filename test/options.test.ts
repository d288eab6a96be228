import { describe, expect, it } from 'vitest'
import { ConfigError, Dealers, supabaseSync } from '../src/index.js'
import { resolveOptions } from '../src/resolve-options.js'
import { unusedRealtimeOptions } from '../src/realtime/unused-options.js'

const supabase = { url: 'http://127.0.0.1:54321', serviceRoleKey: 'x'.repeat(40) }

describe('options', () => {
  it('has the documented defaults', () => {
    const o = resolveOptions({ supabase })
    expect(Object.keys(o.collections)).toEqual(['dealers'])
    expect(o.collections.dealers.table).toBe('dealers')
    expect(o.collections.dealers.pageSize).toBe(1000)
    expect(
      resolveOptions({ supabase, collections: { dealers: { table: 'dealers' } } }).collections
        .dealers.pageSize,
    ).toBe(1000)
    expect(o.syncOnInit).toBe(true)
    expect(o.deleteOrphans).toBe(true)
    expect(o.batchSize).toBe(500)
    expect(o.queue.name).toBe('supabase-sync')
    expect(o.writeMode).toBe('rpc')
    expect(o.events.retentionDays).toBe(90)
  })
  it('names realtime options that take no effect (the table is not watched), and only those', () => {
    const unused = (input: Parameters<typeof resolveOptions>[0]) =>
      unusedRealtimeOptions(resolveOptions(input)).map((u) => u.option)
    const dealers = { table: 'dealers', onExternalChange: 'pull' as const }
    expect(unused({ supabase, collections: { dealers } })).toEqual([
      'collections.dealers.onExternalChange',
    ])
    expect(
      unused({
        supabase,
        realtime: true,
        collections: { dealers: { ...dealers, realtime: false } },
      }),
    ).toEqual(['collections.dealers.onExternalChange', 'realtime'])
    expect(
      unused({
        supabase,
        realtime: { onExternalChange: 'record' },
        collections: { dealers: { table: 'dealers', realtime: false } },
      }),
    ).toEqual(['realtime'])
    expect(unused({ supabase, realtime: true, collections: { dealers } })).toEqual([])
    expect(unused({ supabase, collections: { dealers: { ...dealers, realtime: true } } })).toEqual(
      [],
    )
    expect(unused({ supabase })).toEqual([])
  })
  it('names the wrong option', () => {
    expect(() => resolveOptions({ supabase, batchSize: 0 })).toThrow(/option "batchSize"/)
    expect(() =>
      resolveOptions({ supabase: { url: 'nope', serviceRoleKey: 'x'.repeat(40) } }),
    ).toThrow(/option "supabase\.url"|option "supabase"/)
    expect(() =>
      resolveOptions({
        supabase: {
          url: 'postgresql://postgres:pw@db.xyz.supabase.co:5432/postgres',
          serviceRoleKey: 'x'.repeat(40),
        },
      }),
    ).toThrow(
      /option "supabase\.url" must be the project URL, e\.g\. https:\/\/xyz\.supabase\.co \(not the database URL\)/,
    )
    expect(() =>
      resolveOptions({ supabase, collections: { dealers: { table: 'drop table x' } } }),
    ).toThrow(/collections\.dealers\.table/)
    expect(() =>
      resolveOptions({ supabase, collections: { dealers: { table: 'dealers', pageSize: 5000 } } }),
    ).toThrow(/collections\.dealers\.pageSize/)
    expect(() => resolveOptions({ supabase, queue: { sweepInterval: 5 } })).toThrow(
      /queue\.sweepInterval/,
    )
    // Shorter than a delivery can take (2 × (4 × 15 s + 3 × 12 s) by default): a job being
    // delivered would be released and taken again.
    expect(() => resolveOptions({ supabase, queue: { staleAfter: 120_000 } })).toThrow(
      /option "queue.staleAfter" \(120000 ms\) must exceed what a delivery can take at the least, 192000 ms/,
    )
    expect(
      resolveOptions({
        supabase,
        queue: { staleAfter: 2_000 },
        timeoutMs: 500,
        retry: { retries: 0 },
      }).queue.staleAfter,
    ).toBe(2_000)
  })
  it('falls back to SUPABASE_URL / SUPABASE_SERVICE_ROLE_KEY and says so when they are missing', () => {
    expect(
      resolveOptions(
        {},
        { SUPABASE_URL: supabase.url, SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey },
      ).supabase,
    ).toEqual(supabase)
    expect(() => resolveOptions({}, {})).toThrow(ConfigError)
    expect(() => resolveOptions({}, {})).toThrow(/SUPABASE_URL/)
    expect(resolveOptions({ disabled: true }, {}).disabled).toBe(true)
  })
  it('says which variable is missing, in one line', () => {
    const error = (() => {
      try {
        resolveOptions({}, { SUPABASE_URL: supabase.url })
      } catch (e) {
        return e as Error
      }
    })()!
    expect(error.message).toBe(
      'supabase-sync: SUPABASE_SERVICE_ROLE_KEY is not set (or pass the option supabase: { url, serviceRoleKey })',
    )
    expect(error.stack).toBe(`ConfigError: ${error.message}`)
    expect(() => resolveOptions({}, {})).toThrow(
      /SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are not set/,
    )
  })
  it('refuses an unknown option, and suggests the closest known one', () => {
    expect(() => resolveOptions({ supabase, syncOnInt: false } as never)).toThrow(
      'supabase-sync: unknown option "syncOnInt" — did you mean "syncOnInit"?',
    )
    expect(() => resolveOptions({ supabase, queue: { sweepIntreval: 500 } } as never)).toThrow(
      'unknown option "queue.sweepIntreval" — did you mean "queue.sweepInterval"?',
    )
    expect(() =>
      resolveOptions({
        supabase,
        collections: { dealers: { table: 'dealers', shoudSync: () => true } },
      } as never),
    ).toThrow(/did you mean "collections\.dealers\.shouldSync"/)
    expect(() => resolveOptions({ supabase, events: { retentionDay: 30 } } as never)).toThrow(
      'unknown option "events.retentionDay" — did you mean "events.retentionDays"?',
    )
    // As Payload's scheduler reads it: a pattern it refuses stopped the checks, alerts and retention.
    expect(() => resolveOptions({ supabase, checks: { schedule: 'every 15 minutes' } })).toThrow(
      /option "checks\.schedule" is not a cron pattern Payload's scheduler takes/,
    )
    expect(() => resolveOptions({ supabase, checks: { schedule: '0 0 25 * * *' } })).toThrow(
      /option "checks\.schedule" .*hour/,
    )
    expect(
      resolveOptions({ supabase, checks: { schedule: '0 */5 * * * *' } }).checks.schedule,
    ).toBe('0 */5 * * * *')
    // Inside a union, the option that is wrong and what it takes, not "Invalid input".
    expect(() =>
      resolveOptions({ supabase, realtime: { onExternalChange: 'ignore' } } as never),
    ).toThrow(/option "realtime\.onExternalChange" .*"revert"\|"record"\|"pull"/)
    expect(() =>
      resolveOptions({
        supabase: { url: 'https://xyz.supabase.co', serviceRoleKy: 'x'.repeat(40) },
      } as never),
    ).toThrow('unknown option "supabase.serviceRoleKy" — did you mean "supabase.serviceRoleKey"?')
    expect(() => resolveOptions({ supabase, access: { read: true } } as never)).toThrow(
      /option "access\.read" must be a function/,
    )
    expect(() => resolveOptions({ supabase, events: { retentionDays: 0 } })).toThrow(
      /option "events\.retentionDays"/,
    )
    expect(() => resolveOptions({ supabase, realtimeWatch: true } as never)).toThrow(
      /^supabase-sync: unknown option "realtimeWatch"$/,
    )
  })
  it('requires a mapper for every synced collection but dealers', () => {
    expect(() => resolveOptions({ supabase, collections: { posts: { table: 'posts' } } })).toThrow(
      'supabase-sync: option "collections.posts.mapper" is required: only "dealers" has a ready mapper',
    )
    expect(
      resolveOptions({ supabase, collections: { dealers: { table: 'dealers' } } }).collections
        .dealers.mapper.toRow,
    ).toBeTypeOf('function')
  })
  it('refuses a synced collection that is not in the config', () => {
    expect(() =>
      supabaseSync({ supabase })({ collections: [], secret: 's', db: {} as never }),
    ).toThrow(/collections\.dealers/)
  })
  it('keeps the incoming config and chains onInit', () => {
    const onInit = async () => {}
    const out = supabaseSync({ supabase })({
      collections: [Dealers],
      secret: 's',
      db: {} as never,
      onInit,
    })
    expect(out.secret).toBe('s')
    expect(out.onInit).not.toBe(onInit)
    const dealers = out.collections!.find((c) => c.slug === 'dealers')!
    expect(dealers.hooks?.afterChange).toHaveLength(1)
    expect(dealers.hooks?.afterDelete).toHaveLength(1)
  })
  it('disabled: no hooks, no onInit, but the same jobs schema', () => {
    const enabled = supabaseSync({ supabase })({
      collections: [Dealers],
      secret: 's',
      db: {} as never,
    })
    const out = supabaseSync({ disabled: true })({
      collections: [Dealers],
      secret: 's',
      db: {} as never,
    })
    expect(out.collections!.find((c) => c.slug === 'dealers')!.hooks).toBeUndefined()
    expect(out.onInit).toBeUndefined()
    expect(out.jobs?.tasks?.map((t) => t.slug)).toEqual(enabled.jobs?.tasks?.map((t) => t.slug))
    expect(out.jobs?.enableConcurrencyControl).toBe(true)
  })
})
