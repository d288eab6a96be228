/**
 * A direct edit (marked by sql/002's trigger) on one of two dealers that trade unique values in one
 * batch. The guarded call finds the edited row stale and the other refused (23505: the edited row
 * still holds its slug); forced alone, the edited row is refused too (the other row still holds its
 * new slug). Before: both failed on every try until they were given up, and Supabase kept the old
 * slugs — the invariant broken by an edit of an unrelated column. Now the rows refused for a unique
 * value are forced together with the stale ones, and both land.
 */
import { describe, expect, it } from 'vitest'
import { app, conflicts, converged, create, useScenarioApp } from './support/scenario-app.js'

useScenarioApp()

describe('two dealers trading slugs, one of them edited in Supabase directly', () => {
  it('both rows land in one batch and the direct edit is recorded as a conflict', async () => {
    const a = await create()
    const b = await create()
    await converged()
    const before = await conflicts()
    // A column the trade does not touch: only the mark matters.
    await app.supabase.query(`update public.dealers set domain = 'edited.example' where id = $1`, [
      a.id,
    ])
    const [x, y] = [String(a.slug), String(b.slug)]
    await app.stack.faults.down()
    try {
      await app.payload.update({ collection: 'dealers', id: a.id, data: { slug: `${x}-tmp` } })
      await app.payload.update({ collection: 'dealers', id: b.id, data: { slug: x } })
      await app.payload.update({ collection: 'dealers', id: a.id, data: { slug: y } })
    } finally {
      await app.stack.faults.up()
    }
    await converged()
    const rows = await app.rows()
    expect(rows.get(String(a.id))).toMatchObject({ slug: y })
    expect(rows.get(String(a.id))?.domain).not.toBe('edited.example')
    expect(rows.get(String(b.id))).toMatchObject({ slug: x })
    expect(await conflicts()).toBe(before + 1)
    const { docs } = await app.payload.find({
      collection: 'supabase-sync-events',
      where: { action: { equals: 'conflict' } },
      sort: '-createdAt',
      limit: 1,
      depth: 0,
    })
    const event = docs[0] as unknown as { ids: string[]; fields: Record<string, string[]> }
    expect(event.ids).toEqual([String(a.id)])
    expect(event.fields[String(a.id)]).toContain('domain')
  }, 120_000)
})
