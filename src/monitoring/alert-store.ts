/**
 * The state of each alert, shared by every app instance (collection `supabase-sync-alerts`): a change
 * of state is one conditional statement, so that however many instances see a rule trip, one of them
 * wins — and sends. Firing again while it lasts happens at most every `cooldown`. With `req`, a
 * statement runs in that request's transaction: the change of state commits with its sends.
 */
import type { PayloadRequest } from 'payload'
import type { QueryResultRow } from 'pg'
import { alertsSlug } from '../collections/monitoring.js'
import { literal, type PayloadDatabase, type TableRef } from '../queue/database.js'

export type Transition =
  { kind: 'fired' | 'repeated'; since: string } | { kind: 'resolved'; since: string } | null

export class AlertStore {
  private readonly t: TableRef

  constructor(private readonly db: PayloadDatabase) {
    this.t = db.table(alertsSlug)
  }

  /**
   * The alert holds: fires it (or fires it again after the cooldown); null when another instance did,
   * or it is too soon. `observedAt`: when the observation behind it began — one older than the last
   * resolve (a check that started before a repair and ended after it) fires nothing.
   */
  async fire(
    key: string,
    summary: string,
    details: unknown,
    cooldownMs: number,
    observedAt?: Date,
    req?: PayloadRequest,
  ): Promise<Transition> {
    const c = (field: string) => this.t.column(field)
    const id = literal(key)
    const rows = await this.run<{ previous: string | null; since: Date | string }>(
      `with prev as (select ${c('state')}::text as state from ${this.t.name} where ${c('id')} = ${id}) ` +
        `insert into ${this.t.name} as a (${c('id')}, ${c('state')}, ${c('since')}, ${c('lastSentAt')}, ${c('summary')}, ${c('details')}) values (${id}, 'firing', now(), now(), ${literal(summary.slice(0, 500))}, ${literal(JSON.stringify(details ?? null))}) ` +
        `on conflict (${c('id')}) do update set ${c('state')} = 'firing', ${c('since')} = case when a.${c('state')} = 'firing' then a.${c('since')} else now() end, ` +
        `${c('lastSentAt')} = now(), ${c('summary')} = excluded.${c('summary')}, ${c('details')} = excluded.${c('details')} ` +
        `where (a.${c('state')} <> 'firing' and a.${c('lastSentAt')} < ${observed(observedAt)}) ` +
        `or (a.${c('state')} = 'firing' and a.${c('lastSentAt')} < now() - make_interval(secs => ${seconds(cooldownMs)})) ` +
        `returning (select state from prev) as previous, a.${c('since')} as since`,
      req,
    )
    const row = rows[0]
    if (!row) return null
    return {
      kind: row.previous === 'firing' ? 'repeated' : 'fired',
      since: new Date(row.since).toISOString(),
    }
  }

  /**
   * The alert no longer holds: resolves it if it was firing (once, whichever instance sees it first).
   * An observation that began before the alert fired (a check still running when another instance's
   * found the drift) resolves nothing: it has not seen what the alert is about.
   */
  async resolve(
    key: string,
    observedAt?: Date,
    /** Only once nothing was `seen` for this long (ms), by the database's clock. */
    quietMs?: number,
    req?: PayloadRequest,
  ): Promise<Transition> {
    const c = (field: string) => this.t.column(field)
    const quiet =
      quietMs === undefined
        ? ''
        : ` and coalesce(${c('lastSeenAt')}, ${c('lastSentAt')}) < now() - make_interval(secs => ${seconds(quietMs)})`
    const rows = await this.run<{ since: Date | string }>(
      `update ${this.t.name} set ${c('state')} = 'resolved', ${c('lastSentAt')} = now() where ${c('id')} = ${literal(key)} and ${c('state')} = 'firing' and ${c('lastSentAt')} < ${observed(observedAt)}${quiet} returning ${c('since')} as since`,
      req,
    )
    return rows[0] ? { kind: 'resolved', since: new Date(rows[0].since).toISOString() } : null
  }

  /** What the firing alert is about was seen again (its quiet time starts over). */
  async seen(key: string, req?: PayloadRequest): Promise<void> {
    const c = (field: string) => this.t.column(field)
    await this.run(
      `update ${this.t.name} set ${c('lastSeenAt')} = now() where ${c('id')} = ${literal(key)} and ${c('state')} = 'firing'`,
      req,
    )
  }

  /** The alerts firing now. */
  async firing(): Promise<Array<{ key: string; since: string; summary: string }>> {
    const c = (field: string) => this.t.column(field)
    const { rows } = await this.db.query<{ key: string; since: Date; summary: string }>(
      `select ${c('id')} as key, ${c('since')} as since, ${c('summary')} as summary from ${this.t.name} where ${c('state')} = 'firing' order by ${c('since')}`,
    )
    return rows.map((r) => ({
      key: r.key,
      since: new Date(r.since).toISOString(),
      summary: r.summary,
    }))
  }

  /** Literals, not parameters: a statement in a request's transaction goes through the adapter's raw `execute`. */
  private async run<R extends QueryResultRow>(raw: string, req?: PayloadRequest): Promise<R[]> {
    return req ? this.db.inRequest<R>(req, raw) : (await this.db.query<R>(raw)).rows
  }
}

const timestamp = (at: Date) => `${literal(at.toISOString())}::timestamptz`
/**
 * An observation made just now (a catch, a reconcile's end) is timed by the database's clock when the
 * statement runs: by the app's, a transition another instance committed a moment before (its
 * `lastSentAt` by the database's clock) could look newer, and the new sighting would change nothing.
 */
const observed = (at: Date | undefined) => (at ? timestamp(at) : 'clock_timestamp()')
const seconds = (ms: number) => `${Number(ms) / 1000}::float8`
