/** The console's links to a document (src/admin/present/links.ts: Failed deliveries, Recent events, the drift list). */
import { describe, expect, it } from 'vitest'
import { documentPath } from '../src/admin/present/links.js'

describe('documentPath', () => {
  it('encodes text ids, so that the link opens that document', () => {
    expect(documentPath('dealers', 'a/b?c#d %')).toBe('/collections/dealers/a%2Fb%3Fc%23d%20%25')
    expect(documentPath('dealers', '6a596003-9e56-4406-8fb8-df6d87321777')).toBe(
      '/collections/dealers/6a596003-9e56-4406-8fb8-df6d87321777',
    )
  })
})
