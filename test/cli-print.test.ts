import { describe, expect, it } from 'vitest'
import { printedPerList, printPull, printSync, printValidate } from '../src/ops/cli-print.js'
import type { ValidateResult } from '../src/ops/validate.js'
import type { SyncResult } from '../src/ops/options.js'
import type { PullResult } from '../src/ops/pull.js'

const printed = (print: (out: (line?: string) => void) => void) => {
  const lines: string[] = []
  print((line = '') => lines.push(...line.split('\n')))
  return lines
}

describe("the command's output for people", () => {
  it('lists the first ids of a long drift list and says how many more --json has', () => {
    const missing = Array.from({ length: printedPerList + 10 }, (_, i) => `m${i}`)
    const lines = printed((out) =>
      printValidate(out, {
        collection: 'dealers',
        scanned: 60,
        rows: 0,
        inSync: false,
        ms: 5,
        missing,
        extra: ['x1'],
        changed: [{ id: 'c1', fields: ['name', 'slug'] }],
        failed: [],
      } as unknown as ValidateResult),
    )
    expect(lines).toContain(`  missing in Supabase (${missing.length}):`)
    expect(lines).toContain('    m0')
    expect(lines).toContain(`    m${printedPerList - 1}`)
    expect(lines).not.toContain(`    m${printedPerList}`)
    expect(lines).toContain('    … and 10 more (--json lists them all)')
    expect(lines).toContain('  extra in Supabase, no document (1):')
    expect(lines).toContain('    c1: name, slug')
    expect(lines.some((l) => l.includes('cannot be mapped'))).toBe(false)
  })

  it("cuts a sync's failures the same way", () => {
    const failed = Array.from({ length: printedPerList + 1 }, (_, i) => ({
      id: `f${i}`,
      message: `dealers f${i}: field "slug" is invalid`,
    }))
    const lines = printed((out) =>
      printSync(out, {
        collection: 'dealers',
        scanned: 51,
        upserted: 0,
        deleted: 0,
        unchanged: 0,
        queued: 0,
        failed,
        orphansKept: 0,
        differences: { missing: 51, changed: 0, extra: 0 },
        requests: 1,
        ms: 3,
      } as SyncResult),
    )
    expect(lines).toContain(`  failed (${failed.length}):`)
    expect(lines).toContain('    dealers f0: field "slug" is invalid')
    expect(lines).toContain('    … and 1 more (--json lists them all)')
  })

  it("names the document of each failed pull, also when Payload's message does not", () => {
    const lines = printed((out) =>
      printPull(out, {
        collection: 'dealers',
        pulled: [],
        refused: [],
        skipped: [],
        failed: [
          { id: 'd1', message: 'The following field is invalid: name' },
          {
            id: 'd2',
            message: 'dealers d2: changed in Payload since it was read; nothing written',
          },
        ],
      } as PullResult),
    )
    expect(lines).toContain('  failed (2):')
    expect(lines).toContain('    d1: The following field is invalid: name')
    // A message that names the document already is not prefixed twice.
    expect(lines).toContain('    d2: changed in Payload since it was read; nothing written')
  })

  it("cuts a pull's lists the same way (a pull of every changed row of a large table)", () => {
    const pulled = Array.from({ length: printedPerList + 5 }, (_, i) => ({
      id: `p${i}`,
      fields: ['name'],
    }))
    const lines = printed((out) =>
      printPull(out, {
        collection: 'dealers',
        pulled,
        refused: [{ id: 'r1', fields: ['created_at'] }],
        skipped: [{ id: 's1', reason: 'newer in Payload' }],
        failed: [],
      } as unknown as PullResult),
    )
    expect(lines[0]).toBe(`dealers: ${pulled.length} documents updated from Supabase`)
    expect(lines).toContain(`  pulled (${pulled.length}):`)
    expect(lines).toContain('    p0: name')
    expect(lines).not.toContain(`    p${printedPerList}: name`)
    expect(lines).toContain('    … and 5 more (--json lists them all)')
    expect(lines).toContain('    r1: created_at cannot be written back into Payload')
    expect(lines).toContain('    s1: newer in Payload')
  })
})
