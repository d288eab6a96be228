/**
 * Convergence (issue "convergence", points 4 and 5; the others: convergence.scenarios.test.ts): a save
 * that changes no synced field, and saves that commit in the other order of their updatedAt.
 * Each forced deterministically: the stand-in holds a request, or a save is held between its read and
 * its write (test/support/gate.ts). Each test ends by checking that Supabase equals what the mapper
 * makes of Payload, and that no job is left. The app and those checks: test/support/scenario-app.ts.
 */
import { describe, expect, it } from 'vitest'
import { eventually, settled } from './support/app.js'
import { app, conflicts, converged, create, gate, useScenarioApp } from './support/scenario-app.js'

useScenarioApp()

describe('4. a save that changes no synced field is compared with what Supabase was sent', () => {
  it('undoing a concurrent synced save (Payload writes back what it read) is delivered', async () => {
    const doc = await create()
    await settled(app)
    const b = gate.arm('notes-save')
    const saving = app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { notes: 'only notes' },
      context: { gate: 'notes-save' },
    })
    await b.reached
    // Meanwhile another editor renames the dealer, and the rename reaches Supabase.
    await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { name: 'renamed meanwhile' },
    })
    await eventually(async () =>
      expect((await app.rows()).get(String(doc.id))?.name).toBe('renamed meanwhile'),
    )
    b.release()
    await saving
    const final = await app.payload.findByID({ collection: 'dealers', id: doc.id, depth: 0 })
    // Payload's own lost update: the notes save wrote back the name it had read.
    expect(final.name).toBe(doc.name)
    await converged()
    expect((await app.rows()).get(String(doc.id))?.name).toBe(final.name)
  })
})

describe('5. saves that commit in the other order of their updatedAt', () => {
  async function outOfOrder(doc: { id: string | number }) {
    const b = gate.arm('early-stamp')
    const early = app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { name: 'stamped first, committed last' },
      context: { dbGate: 'early-stamp' },
    })
    await b.reached
    await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { name: 'stamped last, committed first' },
    })
    await eventually(async () =>
      expect((await app.rows()).get(String(doc.id))?.name).toBe('stamped last, committed first'),
    )
    b.release()
    await early
  }

  it('end with the one committed last, with no conflict recorded: the version follows commit order, not updatedAt', async () => {
    const doc = await create()
    await settled(app)
    const conflictsBefore = await conflicts()
    await outOfOrder(doc)
    await converged()
    const final = await app.payload.findByID({ collection: 'dealers', id: doc.id, depth: 0 })
    expect(final.name).toBe('stamped first, committed last')
    const row = (await app.rows()).get(String(doc.id))!
    expect(row.name).toBe(final.name)
    expect(Date.parse(String(row.updated_at))).toBe(Date.parse(String(final.updatedAt)))
    expect(await conflicts()).toBe(conflictsBefore)
  })

  it('and a save of unsynced fields while the late one is delivered does not leave the older state', async () => {
    const doc = await create()
    await settled(app)
    const hold = app.stack.faults.hold({
      path: 'rpc/supabase_sync_apply',
      method: 'POST',
      count: 1,
    })
    const b = gate.arm('late-commit')
    const late = app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { name: 'stamped first, committed last' },
      context: { dbGate: 'late-commit' },
    })
    await b.reached
    await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { name: 'stamped last, committed first' },
    })
    await hold.arrived
    b.release()
    await late
    await app.payload.update({
      collection: 'dealers',
      id: doc.id,
      data: { notes: 'while the delivery is in flight' },
    })
    hold.release()
    await converged()
    expect((await app.rows()).get(String(doc.id))?.name).toBe('stamped first, committed last')
  })
})
