/**
 * How the plugin adds the admin's parts (a config transform, no database): the sync console view,
 * its nav link, the dashboard panel, and per synced collection the sidebar box and the list column —
 * and none of them when `disabled`. The `/rsc` entry loads without `@payloadcms/ui` (plain Node).
 */
import type { CollectionConfig, Config, UIField } from 'payload'
import { describe, expect, it } from 'vitest'
import { Dealers, supabaseSync } from '../src/index.js'

const Notes: CollectionConfig = { slug: 'notes', fields: [{ name: 'text', type: 'text' }] }
const base = (): Config => ({ collections: [Dealers, Notes] }) as Config
const supabase = { url: 'http://127.0.0.1:54321', serviceRoleKey: 'x'.repeat(40) }

describe('admin registration', () => {
  it('registers the console, its nav link, the panel, the sidebar box and the list column', () => {
    const config = supabaseSync({ supabase })(base())
    const components = config.admin?.components
    expect(components?.views?.supabaseSync).toEqual({
      Component: 'payload-plugin-supabase-sync/rsc#SyncConsoleView',
      path: '/supabase-sync',
      exact: true,
      meta: { title: 'Supabase sync console' },
    })
    expect(components?.afterNavLinks).toEqual(['payload-plugin-supabase-sync/rsc#SyncNavLink'])
    expect(components?.beforeDashboard).toEqual(['payload-plugin-supabase-sync/rsc#SyncHealth'])

    const dealers = config.collections!.find((c) => c.slug === 'dealers')!
    const field = dealers.fields.find((f) => 'name' in f && f.name === 'supabaseSync') as UIField
    expect(field).toMatchObject({
      type: 'ui',
      label: 'Supabase',
      admin: {
        position: 'sidebar',
        components: {
          Field: 'payload-plugin-supabase-sync/rsc#DocumentSyncField',
          Cell: 'payload-plugin-supabase-sync/client#SyncStateCell',
          Label: 'payload-plugin-supabase-sync/client#SyncStateHeading',
        },
      },
    })
    expect(dealers.admin?.defaultColumns).toEqual([
      'name',
      'slug',
      'domain',
      'platforms',
      'supabaseSync',
    ])
    // Collections that are not synced are left alone.
    const notes = config.collections!.find((c) => c.slug === 'notes')!
    expect(notes).toBe(Notes)
  })

  it('keeps what the app registered itself', () => {
    const app = base()
    app.admin = {
      components: {
        afterNavLinks: ['/app#Link'],
        views: { mine: { Component: '/app#View', path: '/mine' } },
      },
    }
    const components = supabaseSync({ supabase })(app).admin?.components
    expect(components?.afterNavLinks).toEqual([
      '/app#Link',
      'payload-plugin-supabase-sync/rsc#SyncNavLink',
    ])
    expect(Object.keys(components?.views ?? {})).toEqual(['mine', 'supabaseSync'])
  })

  it('registers no admin part when disabled (the schema stays the same: a ui field has no column)', () => {
    const config = supabaseSync({ supabase, disabled: true })(base())
    expect(config.admin?.components?.views).toBeUndefined()
    expect(config.admin?.components?.afterNavLinks).toBeUndefined()
    const dealers = config.collections!.find((c) => c.slug === 'dealers')!
    expect(dealers.fields.some((f) => 'name' in f && f.name === 'supabaseSync')).toBe(false)
    expect(dealers.admin?.defaultColumns).toEqual(['name', 'slug', 'domain', 'platforms'])
  })

  it('the /rsc entry loads under plain Node: the UI is imported only when it renders', async () => {
    const rsc = await import('../src/exports/rsc.js')
    expect(Object.keys(rsc).sort()).toEqual([
      'DocumentSyncField',
      'SyncConsoleView',
      'SyncHealth',
      'SyncNavLink',
    ])
  })
})
