/**
 * The ready `Dealers` collection as editors use it: the slug made from the name, the domain checked as a
 * host name, each platform's settings shown only while the platform is selected (and kept, and synced,
 * while hidden), the JSON settings checked against their schemas, and a created dealer's row in
 * Supabase still exactly `dealerMapper.toRow` of the document (README, "Mapping (dealers)").
 */
import { ValidationError, type Condition, type Field } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDealers } from '../dev/devApp.js'
import { dealerConfigSchemas, domainProblem, slugify } from '../src/collections/dealers.js'
import { Dealers, dealerMapper } from '../src/index.js'
import { eventually, settled, startApp, type TestApp } from './support/app.js'

let app: TestApp

beforeAll(async () => {
  app = await startApp()
  await app.idle()
})
afterAll(async () => {
  await app?.close()
})

let n = 0
const unique = () => `${Date.now().toString(36)}${++n}`

const field = (name: string) => {
  const found = Dealers.fields.find((f) => 'name' in f && f.name === name)
  if (!found) throw new Error(`no field ${name}`)
  return found as Field & {
    admin?: { condition?: Condition; description?: unknown }
    label?: unknown
  }
}

/** The rejection of a Local API call, as Payload's ValidationError: which fields, which messages. */
async function validationErrors(
  call: Promise<unknown>,
): Promise<{ message: string; errors: { path: string; message: string }[] }> {
  const error = await call.then(
    () => {
      throw new Error('expected a ValidationError, but the operation succeeded')
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidationError)
  const { message, data } = error as ValidationError
  return { message, errors: (data as { errors: { path: string; message: string }[] }).errors }
}

async function rowOf(id: string | number): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const row = (await app.rows()).get(String(id))
    expect(row).toBeDefined()
    return row!
  })
}

describe('the collection as the admin shows it', () => {
  it('has labels, a title, list columns and human labels and descriptions on every field', () => {
    expect(Dealers.labels).toEqual({ singular: 'Dealer', plural: 'Dealers' })
    expect(Dealers.admin?.useAsTitle).toBe('name')
    expect(Dealers.admin?.defaultColumns).toEqual(['name', 'slug', 'domain', 'platforms'])
    // (buildConfig adds createdAt and updatedAt to the collection's fields.)
    const own = Dealers.fields.filter(
      (f) => !('name' in f) || !['id', 'createdAt', 'updatedAt'].includes(f.name),
    )
    const labels = Object.fromEntries(
      own.map((f) => ['name' in f ? f.name : '?', (f as { label?: unknown }).label]),
    )
    expect(labels).toEqual({
      name: 'Name',
      slug: 'Slug',
      domain: 'Website domain',
      platforms: 'Inventory platforms',
      homenet_config: 'HomeNet settings',
      dealer_com_config: 'Dealer.com settings',
      vinsolutions_config: 'VinSolutions settings',
      custom_config: 'Custom settings',
      utm_config: 'UTM tracking',
    })
    for (const f of own)
      expect(
        typeof (f as { admin?: { description?: unknown } }).admin?.description,
        (f as { name: string }).name,
      ).toBe('string')
    const homenet = field('homenet_config') as {
      fields: { label?: string; admin?: { description?: string } }[]
    }
    expect(homenet.fields.map((f) => [f.label, typeof f.admin?.description])).toEqual([
      ['Rooftop ID', 'string'],
      ['Feed URL', 'string'],
    ])
  })

  it('platforms is a multi-select of the known platforms, with their names', () => {
    const platforms = field('platforms') as {
      type: string
      hasMany?: boolean
      options: { label: string; value: string }[]
    }
    expect(platforms.type).toBe('select')
    expect(platforms.hasMany).toBe(true)
    expect(platforms.options).toEqual([
      { label: 'HomeNet', value: 'homenet' },
      { label: 'Dealer.com', value: 'dealer_com' },
      { label: 'VinSolutions', value: 'vinsolutions' },
      { label: 'Custom', value: 'custom' },
    ])
  })

  it("shows each platform's settings only while that platform is selected; UTM always", () => {
    const shown = (name: string, platforms: unknown) => {
      const condition = field(name).admin?.condition
      return condition
        ? Boolean(
            condition({ platforms }, {}, {
              operation: 'update',
              path: [name],
              user: null,
            } as never),
          )
        : true
    }
    const configs = {
      homenet: 'homenet_config',
      dealer_com: 'dealer_com_config',
      vinsolutions: 'vinsolutions_config',
      custom: 'custom_config',
    }
    for (const [platform, name] of Object.entries(configs)) {
      expect(shown(name, [platform]), name).toBe(true)
      expect(shown(name, ['homenet', 'dealer_com', 'vinsolutions', 'custom']), name).toBe(true)
      expect(
        shown(
          name,
          Object.keys(configs).filter((p) => p !== platform),
        ),
        name,
      ).toBe(false)
      expect(shown(name, []), name).toBe(false)
      expect(shown(name, undefined), name).toBe(false)
    }
    expect(shown('utm_config', [])).toBe(true)
  })

  it('the JSON settings carry a schema for the editor (uri, fileMatch matching the editor model, an object schema)', () => {
    for (const name of [
      'dealer_com_config',
      'vinsolutions_config',
      'custom_config',
      'utm_config',
    ] as const) {
      const json = field(name) as {
        type: string
        jsonSchema?: { uri: string; fileMatch: string[]; schema: { type?: string } }
      }
      expect(json.type).toBe('json')
      expect(json.jsonSchema).toBe(dealerConfigSchemas[name])
      expect(json.jsonSchema!.schema.type).toBe('object')
      // Payload's editor names its model `${uri}?<uuid>`.
      expect(json.jsonSchema!.fileMatch).toContain(`${json.jsonSchema!.uri}*`)
    }
  })
})

describe('slug', () => {
  it('slugify: lowercase letters and digits joined by single dashes', () => {
    expect(slugify('Northside Motors')).toBe('northside-motors')
    expect(slugify('  Lakeview   Auto -- Group!! ')).toBe('lakeview-auto-group')
    expect(slugify('Müller & Söhne Autohaus')).toBe('muller-and-sohne-autohaus')
    expect(slugify('Straße 7')).toBe('strasse-7')
    expect(slugify('ALREADY-a-slug')).toBe('already-a-slug')
    expect(slugify('--__--')).toBe('')
  })

  it('is made from the name when left empty, and a typed one is normalised', async () => {
    const tag = unique()
    const fromName = await app.payload.create({
      collection: 'dealers',
      data: { name: `Summit Trucks ${tag}` },
    })
    expect(fromName.slug).toBe(`summit-trucks-${tag}`)
    const empty = await app.payload.create({
      collection: 'dealers',
      data: { name: `Bay Cars ${tag}`, slug: '   ' },
    })
    expect(empty.slug).toBe(`bay-cars-${tag}`)
    const typed = await app.payload.create({
      collection: 'dealers',
      data: { name: `Anything ${tag}`, slug: `  My Own SLUG ${tag}!! ` },
    })
    expect(typed.slug).toBe(`my-own-slug-${tag}`)
    // Nothing usable typed: from the name.
    const junk = await app.payload.create({
      collection: 'dealers',
      data: { name: `Junk Slug ${tag}`, slug: '!!!' },
    })
    expect(junk.slug).toBe(`junk-slug-${tag}`)
    // Supabase gets the formatted slug.
    expect((await rowOf(typed.id)).slug).toBe(`my-own-slug-${tag}`)
  })

  it('stays when the dealer is renamed; emptied, it is made again from the current name', async () => {
    const tag = unique()
    const doc = await app.payload.create({
      collection: 'dealers',
      data: { name: `Old Name ${tag}` },
    })
    const renamed = await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { name: `New Name ${tag}` },
    })
    expect(renamed.slug).toBe(`old-name-${tag}`)
    const emptied = await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { slug: '' },
    })
    expect(emptied.slug).toBe(`new-name-${tag}`)
    const retyped = await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { slug: `Hand Made ${tag}` },
    })
    expect(retyped.slug).toBe(`hand-made-${tag}`)
  })

  it('without a usable name or slug, the save fails naming the slug', async () => {
    const { errors } = await validationErrors(
      app.payload.create({ collection: 'dealers', data: { name: '!!!' } }),
    )
    expect(errors).toEqual([
      { label: 'Slug', path: 'slug', message: expect.stringMatching(/Enter a slug/) },
    ])
  })

  it('a slug taken by another dealer is an error on the slug', async () => {
    const tag = unique()
    await app.payload.create({ collection: 'dealers', data: { name: `Twin ${tag}` } })
    const { errors } = await validationErrors(
      app.payload.create({
        collection: 'dealers',
        data: { name: `Other ${tag}`, slug: `TWIN ${tag}` },
      }),
    )
    expect(errors.map((e) => e.path)).toEqual(['slug'])
  })
})

describe('domain', () => {
  it('domainProblem accepts host names and explains what is wrong with the rest', () => {
    for (const ok of [
      'northside-motors.com',
      'a.b.c.example',
      'dealer-1.example.co.uk',
      'localhost',
      'xn--mnchen-autos-5ob.de',
      'münchen-autos.de',
      '1and1.com',
    ]) {
      expect(domainProblem(ok), ok).toBeUndefined()
    }
    const bad: [string, RegExp][] = [
      ['https://acme.com', /without "https:\/\/"/],
      ['acme.com/inventory', /without a path/],
      ['acme.com:8080', /without a port/],
      ['sales@acme.com', /not an email/],
      ['acme .com', /no spaces/],
      ['acme..com', /"\.\."/],
      ['.acme.com', /start or end with "\."/],
      ['-acme.com', /"-acme" is not allowed/],
      ['acme_motors.com', /"acme_motors" is not allowed/],
      ['192.168.0.1', /not an IP address/],
      [`${'a'.repeat(64)}.com`, /at most 63/],
    ]
    for (const [value, message] of bad) expect(domainProblem(value), value).toMatch(message)
  })

  it('a bad domain is a validation error naming the field; nothing reaches Supabase', async () => {
    const tag = unique()
    await settled(app)
    const before = (await app.rows()).size
    const { message, errors } = await validationErrors(
      app.payload.create({
        collection: 'dealers',
        data: { name: `Bad Domain ${tag}`, domain: 'https://bad-domain.example/' },
      }),
    )
    expect(message).toMatch(/Website domain/)
    expect(errors).toEqual([
      {
        label: 'Website domain',
        path: 'domain',
        message: expect.stringMatching(/host name only, without "https:\/\/"/),
      },
    ])
    const found = await app.payload.find({
      collection: 'dealers',
      where: { name: { equals: `Bad Domain ${tag}` } },
    })
    expect(found.totalDocs).toBe(0)
    await settled(app)
    expect((await app.rows()).size).toBe(before)
  })

  it('is optional, and stored trimmed and lowercase', async () => {
    const tag = unique()
    const none = await app.payload.create({
      collection: 'dealers',
      data: { name: `No Domain ${tag}` },
    })
    expect(none.domain ?? null).toBeNull()
    const empty = await app.payload.create({
      collection: 'dealers',
      data: { name: `Empty Domain ${tag}`, domain: '' },
    })
    expect((await rowOf(empty.id)).domain).toBeNull()
    const mixed = await app.payload.create({
      collection: 'dealers',
      data: { name: `Mixed ${tag}`, domain: `  Mixed-${tag}.Example.COM ` },
    })
    expect(mixed.domain).toBe(`mixed-${tag}.example.com`)
    const { errors } = await validationErrors(
      app.payload.update({ collection: 'dealers', id: mixed.id, data: { domain: 'not a domain' } }),
    )
    expect(errors.map((e) => e.path)).toEqual(['domain'])
  })
})

describe('platform settings', () => {
  it('a created dealer is in Supabase as exactly dealerMapper.toRow of it, api_config with the six keys', async () => {
    const tag = unique()
    const doc = await app.payload.create({
      collection: 'dealers',
      data: {
        name: `Full Dealer ${tag}`,
        domain: `full-${tag}.example.com`,
        platforms: ['homenet', 'dealer_com', 'vinsolutions', 'custom'],
        homenet_config: { rooftop_id: `RT-${tag}`, feed_url: `https://feeds.example/${tag}.csv` },
        dealer_com_config: { account: 'full', region: 'us-east' },
        vinsolutions_config: { dealerId: 4711 },
        custom_config: {
          endpoint: 'https://full.example/api',
          auth: 'none',
          extra: { nested: [1, 2] },
        },
        utm_config: { source: 'dealer-site', medium: 'organic' },
      },
    })
    const row = await rowOf(doc.id)
    const expected = dealerMapper.toRow(doc as never)!
    expect(row).toMatchObject({
      ...expected,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    })
    expect(Date.parse(String(row.created_at))).toBe(Date.parse(expected.created_at))
    expect(Object.keys(row.api_config as object).sort()).toEqual([
      'custom_config',
      'dealer_com_config',
      'homenet_config',
      'platforms',
      'utm_config',
      'vinsolutions_config',
    ])
    expect(row).toMatchObject({
      slug: `full-dealer-${tag}`,
      rooftop_id: `RT-${tag}`,
      api_config: {
        platforms: ['homenet', 'dealer_com', 'vinsolutions', 'custom'],
        homenet_config: { rooftop_id: `RT-${tag}`, feed_url: `https://feeds.example/${tag}.csv` },
        dealer_com_config: { account: 'full', region: 'us-east' },
        vinsolutions_config: { dealerId: 4711 },
        custom_config: {
          endpoint: 'https://full.example/api',
          auth: 'none',
          extra: { nested: [1, 2] },
        },
        utm_config: { source: 'dealer-site', medium: 'organic' },
      },
    })
  })

  it("an unselected platform's settings are kept and still synced; selecting it again shows them unchanged", async () => {
    const tag = unique()
    const doc = await app.payload.create({
      collection: 'dealers',
      data: {
        name: `Switcher ${tag}`,
        platforms: ['homenet', 'dealer_com'],
        homenet_config: { rooftop_id: `RT-${tag}` },
        dealer_com_config: { account: `acct-${tag}` },
      },
    })
    // The editor deselects both platforms (their settings are hidden in the admin) and picks VinSolutions.
    const switched = await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { platforms: ['vinsolutions'], vinsolutions_config: { dealerId: 7 } },
    })
    expect(switched.homenet_config).toMatchObject({ rooftop_id: `RT-${tag}` })
    expect(switched.dealer_com_config).toEqual({ account: `acct-${tag}` })
    const row = await eventually(async () => {
      const r = await rowOf(doc.id)
      expect((r.api_config as { platforms: string[] }).platforms).toEqual(['vinsolutions'])
      return r
    })
    // The mapper sends every config, selected or not: the row is the document (and pull can give it back).
    expect(row).toMatchObject({
      rooftop_id: `RT-${tag}`,
      api_config: {
        platforms: ['vinsolutions'],
        homenet_config: { rooftop_id: `RT-${tag}` },
        dealer_com_config: { account: `acct-${tag}` },
        vinsolutions_config: { dealerId: 7 },
        custom_config: null,
      },
    })
    expect(row.api_config).toEqual(dealerMapper.toRow(switched as never)!.api_config)
    expect(dealerMapper.fromRow!(dealerMapper.toRow(switched as never)!)).toMatchObject({
      dealer_com_config: { account: `acct-${tag}` },
    })
    // Selected again: the stored settings are what the editor sees.
    const back = await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { platforms: ['vinsolutions', 'dealer_com'] },
    })
    expect(back.dealer_com_config).toEqual({ account: `acct-${tag}` })
  })

  it("a selected platform's settings must be a JSON object that fits the schema; the error names the field", async () => {
    const tag = unique()
    const list = await validationErrors(
      app.payload.create({
        collection: 'dealers',
        data: { name: `List ${tag}`, platforms: ['dealer_com'], dealer_com_config: ['a', 'b'] },
      }),
    )
    expect(list.errors).toEqual([
      {
        label: 'Dealer.com settings',
        path: 'dealer_com_config',
        message: expect.stringMatching(/must be a JSON object.*not a list/),
      },
    ])
    const text = await validationErrors(
      app.payload.create({
        collection: 'dealers',
        data: { name: `Text ${tag}`, platforms: ['vinsolutions'], vinsolutions_config: 'dealer 7' },
      }),
    )
    expect(text.errors.map((e) => e.path)).toEqual(['vinsolutions_config'])
    const schema = await validationErrors(
      app.payload.create({
        collection: 'dealers',
        data: {
          name: `Schema ${tag}`,
          platforms: ['custom'],
          custom_config: { endpoint: 'ftp://files.example' },
        },
      }),
    )
    expect(schema.errors).toEqual([
      {
        label: 'Custom settings',
        path: 'custom_config',
        message: expect.stringMatching(/endpoint must match pattern/),
      },
    ])
    const feed = await validationErrors(
      app.payload.create({
        collection: 'dealers',
        data: {
          name: `Feed ${tag}`,
          platforms: ['homenet'],
          homenet_config: { feed_url: 'feeds.example/x.csv' },
        },
      }),
    )
    expect(feed.errors.map((e) => e.path)).toEqual(['homenet_config.feed_url'])
    // Empty settings are fine.
    const empty = await app.payload.create({
      collection: 'dealers',
      data: { name: `Empty ${tag}`, platforms: ['custom'], custom_config: {} },
    })
    expect((await rowOf(empty.id)).api_config).toMatchObject({ platforms: ['custom'] })
  })

  it('an unknown platform is refused', async () => {
    const { errors } = await validationErrors(
      app.payload.create({
        collection: 'dealers',
        data: { name: `Unknown ${unique()}`, platforms: ['cdk'] },
      }),
    )
    expect(errors.map((e) => e.path)).toEqual(['platforms'])
  })

  it("the dev app's seed dealers are valid", async () => {
    const tag = unique()
    for (const seed of seedDealers) {
      const doc = await app.payload.create({
        collection: 'dealers',
        data: { ...seed, name: `${seed.name} ${tag}`, slug: `${seed.slug}-${tag}` } as never,
      })
      expect(await rowOf(doc.id)).toMatchObject({
        ...dealerMapper.toRow(doc as never)!,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      })
    }
  })
})
