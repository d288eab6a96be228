/**
 * Where a synced collection's fields point to another collection (hooks/reference-paths.ts): the paths
 * the plugin queries before a referenced document is deleted. Pure: no database.
 */
import type { Field } from 'payload'
import { describe, expect, it } from 'vitest'
import { referencePaths } from '../src/hooks/reference-paths.js'

const quote = {
  slug: 'quote',
  fields: [{ name: 'by', type: 'relationship', relationTo: 'authors' }] as Field[],
}

describe('reference paths', () => {
  it('in groups, tabs, arrays and inline blocks; polymorphic ones queried at .value', () => {
    const fields = [
      { name: 'author', type: 'relationship', relationTo: 'authors' },
      { name: 'other', type: 'relationship', relationTo: 'tags' },
      {
        name: 'meta',
        type: 'group',
        fields: [{ name: 'photo', type: 'upload', relationTo: 'authors' }],
      },
      {
        type: 'tabs',
        tabs: [
          { name: 'seo', fields: [{ name: 'owner', type: 'relationship', relationTo: 'authors' }] },
        ],
      },
      { name: 'featured', type: 'relationship', relationTo: ['authors', 'articles'] },
      { name: 'layout', type: 'blocks', blocks: [quote] },
    ] as Field[]
    expect(referencePaths(fields, 'authors')).toEqual([
      { path: 'author', polymorphic: false },
      { path: 'meta.photo', polymorphic: false },
      { path: 'seo.owner', polymorphic: false },
      { path: 'featured', polymorphic: true },
      { path: 'layout.by', polymorphic: false },
    ])
  })

  it('in blocks the config defines once and a blocks field names by slug (blockReferences)', () => {
    const fields = [
      { name: 'layout', type: 'blocks', blocks: [], blockReferences: ['quote'] },
    ] as Field[]
    expect(referencePaths(fields, 'authors', [quote])).toEqual([
      { path: 'layout.by', polymorphic: false },
    ])
    // Unknown slugs are not the config's: nothing to follow.
    expect(referencePaths(fields, 'authors', [])).toEqual([])
  })
})
