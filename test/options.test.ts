import { describe, expect, it } from 'vitest'
import { ConfigError, Dealers, supabaseSync } from '../src/index.js'
import { resolveOptions } from '../src/options.js'

const supabase = { url: 'http://127.0.0.1:54321', serviceRoleKey: 'x'.repeat(40) }

describe('options', () => {
  it('has the documented defaults', () => {
    const o = resolveOptions({ supabase })
    expect(Object.keys(o.collections)).toEqual(['dealers'])
    expect(o.collections.dealers.table).toBe('dealers')
    expect(o.syncOnInit).toBe(true)
    expect(o.deleteOrphans).toBe(true)
    expect(o.batchSize).toBe(500)
    expect(o.queue.name).toBe('supabase-sync')
    expect(o.writeMode).toBe('rpc')
  })
  it('names the wrong option', () => {
    expect(() => resolveOptions({ supabase, batchSize: 0 })).toThrow(/option "batchSize"/)
    expect(() => resolveOptions({ supabase: { url: 'nope', serviceRoleKey: 'x'.repeat(40) } })).toThrow(/option "supabase\.url"|option "supabase"/)
    expect(() => resolveOptions({ supabase, collections: { dealers: { table: 'drop table x' } } })).toThrow(/collections\.dealers\.table/)
    expect(() => resolveOptions({ supabase, queue: { sweepInterval: 5 } })).toThrow(/queue\.sweepInterval/)
  })
  it('falls back to SUPABASE_URL / SUPABASE_SERVICE_ROLE_KEY and says so when they are missing', () => {
    expect(resolveOptions({}, { SUPABASE_URL: supabase.url, SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey }).supabase).toEqual(supabase)
    expect(() => resolveOptions({}, {})).toThrow(ConfigError)
    expect(() => resolveOptions({}, {})).toThrow(/SUPABASE_URL/)
    expect(resolveOptions({ disabled: true }, {}).disabled).toBe(true)
  })
  it('refuses a synced collection that is not in the config', () => {
    expect(() => supabaseSync({ supabase })({ collections: [], secret: 's', db: {} as never })).toThrow(/collections\.dealers/)
  })
  it('keeps the incoming config and chains onInit', () => {
    const onInit = async () => {}
    const out = supabaseSync({ supabase })({ collections: [Dealers], secret: 's', db: {} as never, onInit })
    expect(out.secret).toBe('s')
    expect(out.onInit).not.toBe(onInit)
    const dealers = out.collections!.find((c) => c.slug === 'dealers')!
    expect(dealers.hooks?.afterChange).toHaveLength(1)
    expect(dealers.hooks?.afterDelete).toHaveLength(1)
  })
  it('disabled: no hooks, no onInit, but the same jobs schema', () => {
    const enabled = supabaseSync({ supabase })({ collections: [Dealers], secret: 's', db: {} as never })
    const out = supabaseSync({ disabled: true })({ collections: [Dealers], secret: 's', db: {} as never })
    expect(out.collections!.find((c) => c.slug === 'dealers')!.hooks).toBeUndefined()
    expect(out.onInit).toBeUndefined()
    expect(out.jobs?.tasks?.map((t) => t.slug)).toEqual(enabled.jobs?.tasks?.map((t) => t.slug))
    expect(out.jobs?.enableConcurrencyControl).toBe(true)
  })
})
