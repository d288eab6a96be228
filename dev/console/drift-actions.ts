/** The side-by-side table's actions on the dealer's changed row: take Supabase's value, or push Payload's. */
import { isDeepStrictEqual } from 'node:util'
import {
  assert,
  confirmModal,
  ensure,
  responseTo,
  seconds,
  syncTimeoutMs,
  until,
} from '../browser.js'
import type { Tampered } from './drift-check.js'
import { text, type ConsoleSession } from './session.js'

/**
 * 5. Use Supabase value on the `api_config` key, its delivery back to Supabase held for a moment: the
 * document in Payload has Supabase's value, its other fields are Payload's, and the console shows the
 * rest still differing; released, Payload's row goes back to Supabase.
 */
export async function useSupabaseValue(s: ConsoleSession, tampered: Tampered): Promise<void> {
  const { page, line, dealer, step, timings } = s
  const hold = s.app.stack.faults.hold({ path: 'rpc/supabase_sync_apply', method: 'POST' })
  const t = Date.now()
  try {
    const pulled = responseTo(page, 'POST', '/api/supabase-sync/pull')
    await line('api_config.utm_config').getByRole('button', { name: 'Use Supabase value' }).click()
    const modalText = await text(page.locator('.supabase-sync-confirm'))
    assert(/other differing fields/.test(modalText), () => `the modal says ${modalText}`)
    await confirmModal(page, 'Use Supabase value')
    const res = await pulled
    const body = (await res.json()) as { pulled: Array<{ fields: string[] }> }
    assert(
      res.ok() && isDeepStrictEqual(body.pulled[0]?.fields, ['api_config.utm_config']),
      () => `pull answered ${res.status()} ${JSON.stringify(body)}`,
    )
    const doc = await s.payloadDoc()
    assert(
      isDeepStrictEqual(doc.utm_config, tampered.utm) && doc.name === dealer.name,
      () => `Payload has ${JSON.stringify(doc)}`,
    )
    // The rest still differs: the table, read again, shows the name (and created_at), not the key.
    await line('api_config.utm_config').waitFor({ state: 'detached' })
    await line('name').waitFor()
    await hold.arrived
  } finally {
    hold.release()
  }
  timings.useSupabaseValue = Date.now() - t
  step(
    `Use Supabase value: Payload took api_config.utm_config, its name is still "${dealer.name}", the console shows name still differing (${seconds(timings.useSupabaseValue)})`,
  )
  // Released: Payload's row goes back to Supabase, so both sides end equal.
  await until(
    async () => ((await s.stateOfDealer()).state === 'in-sync' ? true : undefined),
    syncTimeoutMs,
    () => 'the dealer did not come back in sync after the pull',
    250,
  )
  const afterPull = await s.supabaseRow()
  assert(
    afterPull.name === dealer.name &&
      isDeepStrictEqual(afterPull.api_config.utm_config, tampered.utm),
    () => `Supabase has ${JSON.stringify(afterPull)}`,
  )
}

/** 6. The row is tampered again; Check now; Push to Supabase: the row equals the document. */
export async function pushToSupabase(s: ConsoleSession): Promise<void> {
  const { page, row, dealer, step, timings } = s
  await s.supabaseDb.query(`update public.dealers set name = 'Tampered again' where id = $1`, [
    dealer.id,
  ])
  await s.checkNow()
  await row.waitFor()
  await ensure(
    (await text(row.locator('td').nth(1))) === 'name',
    async () => `the changed row lists ${await text(row.locator('td').nth(1))}`,
  )
  const t = Date.now()
  const pushed = responseTo(page, 'POST', '/api/supabase-sync/sync')
  await row.getByRole('button', { name: 'Push to Supabase', exact: true }).click()
  await confirmModal(page, 'Push to Supabase')
  const pushRes = await pushed
  assert(pushRes.ok(), () => `POST sync answered ${pushRes.status()}`)
  await row.locator('.pill', { hasText: 'In sync' }).waitFor()
  timings.push = Date.now() - t
  const afterPush = await s.stateOfDealer()
  assert(
    afterPush.state === 'in-sync',
    () => `after the push the dealer is ${JSON.stringify(afterPush)}`,
  )
  assert(
    (await s.supabaseRow()).name === dealer.name,
    () => 'Supabase has another name after the push',
  )
  step(`Push to Supabase: the row equals the document (${seconds(timings.push)})`)
}
