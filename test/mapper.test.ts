import { describe, expect, it } from 'vitest'
import { dealerMapper, MappingError, type DealerDoc } from '../src/index.js'
import { mapDocument } from '../src/mapping/validate.js'

const doc: DealerDoc = {
  id: '5b0d4c4e-6c0a-4d43-9a55-8d7a1f0f2a11',
  name: 'Acme Motors',
  slug: 'acme-motors',
  domain: 'acme.example.com',
  platforms: ['homenet', 'dealer_com'],
  homenet_config: { rooftop_id: 'R-42', feed_url: null },
  dealer_com_config: { dealer_id: 'DC-1' },
  vinsolutions_config: null,
  custom_config: null,
  utm_config: { source: 'od' },
  createdAt: '2026-01-02T03:04:05.678Z',
  updatedAt: '2026-02-03T04:05:06.789Z',
}

describe('dealerMapper', () => {
  it('maps a document exactly as the seed table says', () => {
    expect(mapDocument('dealers', dealerMapper as never, doc)).toEqual({
      id: doc.id,
      name: 'Acme Motors',
      slug: 'acme-motors',
      domain: 'acme.example.com',
      rooftop_id: 'R-42',
      api_config: {
        platforms: ['homenet', 'dealer_com'],
        homenet_config: { rooftop_id: 'R-42', feed_url: null },
        dealer_com_config: { dealer_id: 'DC-1' },
        vinsolutions_config: null,
        custom_config: null,
        utm_config: { source: 'od' },
      },
      created_at: '2026-01-02T03:04:05.678Z',
      updated_at: '2026-02-03T04:05:06.789Z',
    })
  })

  it('fills the seed defaults: no platforms is [], no homenet config is {}, no rooftop is null', () => {
    const row = dealerMapper.toRow({ ...doc, platforms: null, homenet_config: null, domain: '' })!
    expect(row.api_config.platforms).toEqual([])
    expect(row.api_config.homenet_config).toEqual({})
    expect(row.rooftop_id).toBeNull()
    expect(row.domain).toBeNull()
  })

  it('names the dealer and the field when a document cannot be a row', () => {
    const bad = mapDocument('dealers', dealerMapper as never, {
      ...doc,
      utm_config: 'not-an-object' as never,
    })
    expect(bad).toBeInstanceOf(MappingError)
    expect((bad as MappingError).message).toContain(doc.id)
    expect((bad as MappingError).field).toBe('api_config.utm_config')
    const noName = mapDocument('dealers', dealerMapper as never, {
      ...doc,
      name: '',
    }) as MappingError
    expect(noName.field).toBe('name')
    expect(noName.message).toMatch(/dealers 5b0d4c4e.* field "name"/)
  })

  it('rejects a non-uuid id with a hint about idType', () => {
    const bad = mapDocument('dealers', dealerMapper as never, { ...doc, id: 7 }) as MappingError
    expect(bad.field).toBe('id')
    expect(bad.message).toContain('idType')
  })

  it('takes every uuid PostgreSQL takes, not only RFC 9562 versions (md5(…)::uuid, all zeros)', () => {
    for (const id of [
      '00000000-0000-0000-0000-000000000001',
      'd66b224a-4ca2-ba5f-3274-2580251dac04',
    ])
      expect(mapDocument('dealers', dealerMapper as never, { ...doc, id })).toMatchObject({ id })
  })

  it('fromRow gives back the document fields', () => {
    const row = dealerMapper.toRow(doc)!
    expect(dealerMapper.fromRow!(row)).toEqual({
      name: doc.name,
      slug: doc.slug,
      domain: doc.domain,
      platforms: doc.platforms,
      homenet_config: doc.homenet_config,
      dealer_com_config: doc.dealer_com_config,
      vinsolutions_config: null,
      custom_config: null,
      utm_config: doc.utm_config,
    })
  })

  it('sends the settings of platforms that are not selected as they are (the admin hides them, Payload keeps them)', () => {
    const unselected: DealerDoc = {
      ...doc,
      platforms: ['vinsolutions'],
      vinsolutions_config: { dealerId: 4711 },
      custom_config: { endpoint: 'https://old.example/api' },
    }
    const row = dealerMapper.toRow(unselected)!
    expect(row.api_config).toEqual({
      platforms: ['vinsolutions'],
      homenet_config: { rooftop_id: 'R-42', feed_url: null },
      dealer_com_config: { dealer_id: 'DC-1' },
      vinsolutions_config: { dealerId: 4711 },
      custom_config: { endpoint: 'https://old.example/api' },
      utm_config: { source: 'od' },
    })
    // HomeNet is not selected, but its rooftop is still the column: the row is the document.
    expect(row.rooftop_id).toBe('R-42')
    // And a pull gives every one of them back.
    expect(dealerMapper.fromRow!(row)).toMatchObject({
      dealer_com_config: { dealer_id: 'DC-1' },
      custom_config: { endpoint: 'https://old.example/api' },
    })
  })

  it('a mapper that throws is a MappingError, not a crash', () => {
    const throwing = {
      ...dealerMapper,
      toRow: () => {
        throw new Error('boom')
      },
    }
    const err = mapDocument('dealers', throwing as never, doc) as MappingError
    expect(err).toBeInstanceOf(MappingError)
    expect(err.message).toContain('boom')
    expect(err.id).toBe(doc.id)
  })
})
