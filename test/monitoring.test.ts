/**
 * Monitoring and alerting: /health, /metrics (parsed with a Prometheus text-format parser), the
 * per-minute rollups, and alerts to a real HTTP webhook and a capturing email adapter — fired once
 * when a rule trips, resolved once when it clears, also with a second app instance; a scheduled check
 * finds a row tampered in Supabase and alerts once.
 */
import http from 'node:http'
import pg from 'pg'
import type { AddressInfo } from 'node:net'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { handleEndpoints, type Payload } from 'payload'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { retryFailed, syncDocuments, validateSync, whenIdle } from '../src/index.js'
import { BusyError } from '../src/errors.js'
import type { Alert } from '../src/options.js'
import { getRuntime } from '../src/lifecycle/registry.js'
import { loadHistory } from '../src/admin/server/history.js'
import {
  dealerData,
  eventually,
  settled,
  startApp,
  startPayload,
  type TestApp,
} from './support/app.js'

const token = 'metrics-and-health-token-0123456789'
const received: Alert[] = []
const emails: Array<{ to?: unknown; subject?: string; text?: string }> = []
let server: http.Server
let app: TestApp
let second: { payload: Payload; key: string } | undefined
/** The next e-mails the capturing adapter refuses. */
let emailFailures = 0

const sync = (webhook: string) => ({
  metrics: { token },
  health: { token },
  checks: { schedule: '*/2 * * * * *' },
  alerts: {
    webhook,
    email: { to: ['ops@example.com'] },
    evaluateEvery: 200,
    rules: { unreachableFor: 500, pendingOlderThan: false as const, failedJobs: false },
  },
  queue: { backoff: 20, maxBackoff: 200 },
})
const extend = (config: import('payload').Config): import('payload').Config => ({
  ...config,
  // A capturing adapter: Payload's email adapter interface, the messages kept for the test.
  email: () => ({
    name: 'capture',
    defaultFromAddress: 'sync@example.com',
    defaultFromName: 'Sync',
    sendEmail: async (message) => {
      if (emailFailures > 0) {
        emailFailures--
        throw new Error('the SMTP server is down')
      }
      emails.push(message as { to?: unknown; subject?: string; text?: string })
    },
  }),
})

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      received.push(JSON.parse(body) as Alert)
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const webhook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  app = await startApp({ sync: sync(webhook), extend })
  ;(globalThis as { webhook?: string }).webhook = webhook
})
afterAll(async () => {
  await second?.payload.destroy().catch(() => {})
  await app?.close()
  server?.close()
})

async function get(path: string, auth?: string) {
  const request = new Request(`http://localhost:3000/api${path}`, {
    headers: auth ? { authorization: auth } : {},
  })
  const res = await handleEndpoints({
    config: Promise.resolve(app.payload.config),
    request,
    payloadInstanceCacheKey: app.key,
  } as never)
  return { status: res.status, text: await res.text() }
}

async function scrape() {
  const { status, text } = await get('/supabase-sync/metrics', `Bearer ${token}`)
  expect(status).toBe(200)
  const families = parsePrometheusTextFormat(text)
  const value = (name: string, labels: Record<string, string> = {}) => {
    const family = families.find((f) => f.name === name)
    // (The parser gives a histogram's buckets without its labels: the one series is taken as it is.)
    const sample =
      family?.type === 'HISTOGRAM'
        ? family.metrics[0]
        : family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    return Number(sample?.value ?? sample?.count ?? sample?.buckets?.['+Inf'] ?? 0)
  }
  return value
}

describe('health', () => {
  it('200 ok; 503 with the reason while Supabase is down; 200 again; without the token only the status word', async () => {
    await settled(app)
    expect(await get('/supabase-sync/health')).toEqual({
      status: 200,
      text: JSON.stringify({ status: 'ok' }),
    })
    expect(JSON.parse((await get('/supabase-sync/health', `Bearer ${token}`)).text)).toEqual({
      status: 'ok',
      reasons: [],
    })
    await app.stack.faults.down()
    try {
      expect(await get('/supabase-sync/health')).toEqual({
        status: 503,
        text: JSON.stringify({ status: 'degraded' }),
      })
      const detailed = await get('/supabase-sync/health', `Bearer ${token}`)
      expect(detailed.status).toBe(503)
      expect(JSON.parse(detailed.text).reasons[0]).toMatch(/^Supabase is not reachable/)
    } finally {
      await app.stack.faults.up()
    }
    await eventually(async () => expect((await get('/supabase-sync/health')).status).toBe(200))
  })
})

describe('metrics', () => {
  it('counts exactly: N saves delivered with their lag, one refused row, the failed-jobs gauge', async () => {
    await settled(app)
    expect((await get('/supabase-sync/metrics')).status).toBe(401)
    const before = await scrape()
    const written = before('supabase_sync_deliveries_total', {
      collection: 'dealers',
      outcome: 'written',
    })
    const lagCount = before('supabase_sync_lag_seconds', { collection: 'dealers' })
    const N = 5
    for (let i = 0; i < N; i++)
      await app.payload.create({ collection: 'dealers', data: dealerData() })
    await settled(app)
    app.stack.faults.failNext(1, 400, {
      path: 'rpc/supabase_sync_apply',
      code: '23514',
      message: 'new row violates check constraint',
    })
    const refused = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await eventually(async () => expect((await scrape())('supabase_sync_jobs_failed')).toBe(1))
    const after = await scrape()
    expect(
      after('supabase_sync_deliveries_total', { collection: 'dealers', outcome: 'written' }) -
        written,
    ).toBe(N)
    expect(
      after('supabase_sync_deliveries_total', { collection: 'dealers', outcome: 'failed' }),
    ).toBeGreaterThanOrEqual(1)
    expect(after('supabase_sync_lag_seconds', { collection: 'dealers' }) - lagCount).toBe(N)
    expect(
      after('supabase_sync_requests_total', { method: 'POST', status: '400' }),
    ).toBeGreaterThanOrEqual(1)
    expect(after('supabase_sync_supabase_up')).toBe(1)
    await retryFailed(app.payload, { ids: [String(refused.id)] })
    expect((await scrape())('supabase_sync_jobs_failed')).toBe(0)
  })
})

describe('history', () => {
  it('the per-minute rollups sum to the deliveries made', async () => {
    await settled(app)
    const rollups = getRuntime(app.payload).monitor!.rollups!
    const sum = async () => {
      await rollups.flush(true)
      const { rows } = await app.payload.db.pool.query(
        `select coalesce(sum(deliveries), 0)::int as n from supabase_sync_rollups where collection_slug = 'dealers'`,
      )
      return Number(rows[0].n)
    }
    // The console's chart of the last hour reads the same rows (all collections, all instances).
    const charted = async () =>
      (await loadHistory(getRuntime(app.payload), '1h')).reduce(
        (a, p) => a + (p.deliveries ?? 0),
        0,
      )
    const start = await sum()
    const chartStart = await charted()
    for (let i = 0; i < 7; i++)
      await app.payload.create({ collection: 'dealers', data: dealerData() })
    await settled(app)
    expect((await sum()) - start).toBe(7)
    expect((await charted()) - chartStart).toBe(7)
  })
})

describe('alerts', () => {
  /** Alerts received since `from` (an earlier test may have had its own: the refused row was missing a while). */
  let from = 0
  /** E-mails likewise: an outage of an earlier test (health's) may outlast the rule and send its own. */
  let mailsFrom = 0
  const firing = (rule: string) =>
    received.slice(from).filter((a) => a.rule === rule && a.state === 'firing')
  const resolved = (rule: string) =>
    received.slice(from).filter((a) => a.rule === rule && a.state === 'resolved')
  /** No alert firing, and every alert job sent: what arrives after this belongs to the test. */
  async function quiet() {
    await eventually(
      async () => {
        expect(await getRuntime(app.payload).monitor!['alerts']!.firing()).toEqual([])
        const { totalDocs } = await app.payload.count({
          collection: 'payload-jobs',
          where: {
            and: [
              { taskSlug: { equals: 'supabase-sync-alert' } },
              { completedAt: { exists: false } },
            ],
          },
          overrideAccess: true,
        })
        expect(totalDocs).toBe(0)
      },
      60_000,
      100,
    )
    from = received.length
    mailsFrom = emails.length
  }

  /** Both instances have evaluated the rules `n` more times since this was called. */
  async function evaluated(n: number) {
    const monitors = [
      getRuntime(app.payload).monitor!,
      ...(second ? [getRuntime(second.payload).monitor!] : []),
    ]
    const marks = monitors.map((m) => m.evaluations)
    await eventually(
      async () =>
        monitors.forEach((m, i) => expect(m.evaluations).toBeGreaterThanOrEqual(marks[i] + n)),
      30_000,
      20,
    )
  }

  it('Supabase unreachable: one firing, one resolved, by webhook and by e-mail — also with a second instance', async () => {
    second = await startPayload(app.stack, {
      sync: sync((globalThis as { webhook?: string }).webhook!),
      extend,
    })
    await settled(app)
    await quiet()
    await app.stack.faults.down()
    try {
      await eventually(
        async () => expect(firing('supabase-unreachable')).toHaveLength(1),
        30_000,
        50,
      )
      await evaluated(5)
      expect(firing('supabase-unreachable')).toHaveLength(1)
      expect(firing('supabase-unreachable')[0].text).toMatch(
        /^\[supabase-sync\] FIRING: Supabase has not answered for/,
      )
    } finally {
      await app.stack.faults.up()
    }
    await eventually(
      async () => expect(resolved('supabase-unreachable')).toHaveLength(1),
      30_000,
      50,
    )
    await evaluated(5)
    expect(resolved('supabase-unreachable')).toHaveLength(1)
    expect(firing('supabase-unreachable')).toHaveLength(1)
    await eventually(async () =>
      expect(
        emails
          .slice(mailsFrom)
          .filter((e) => /supabase-unreachable|Supabase has not answered/.test(String(e.subject))),
      ).toHaveLength(2),
    )
    const { docs } = await app.payload.find({
      collection: 'supabase-sync-events',
      where: { action: { equals: 'alert' } },
      depth: 0,
      limit: 10,
    })
    expect(docs.map((d) => d.outcome).sort()).toEqual(
      expect.arrayContaining(['firing', 'resolved']),
    )
  }, 90_000)

  it('an e-mail that fails is sent again on its own: the webhook gets the alert once', async () => {
    await settled(app)
    await quiet()
    const mailsBefore = emails.length
    const firingMail = () =>
      emails
        .slice(mailsBefore)
        .filter((e) => /FIRING: Supabase has not answered/.test(String(e.subject)))
    emailFailures = 2
    await app.stack.faults.down()
    try {
      // Sent once the two refusals are behind it (the job's own backoff).
      await eventually(async () => expect(firingMail()).toHaveLength(1), 30_000, 50)
      expect(firing('supabase-unreachable')).toHaveLength(1)
    } finally {
      emailFailures = 0
      await app.stack.faults.up()
    }
    await eventually(
      async () => expect(resolved('supabase-unreachable')).toHaveLength(1),
      30_000,
      50,
    )
    expect(firing('supabase-unreachable')).toHaveLength(1)
  }, 90_000)

  it('two instances running the alert queue at the same moment send each alert once', async () => {
    second ??= await startPayload(app.stack, {
      sync: sync((globalThis as { webhook?: string }).webhook!),
      extend,
    })
    await quiet()
    const monitors = [getRuntime(app.payload).monitor!, getRuntime(second.payload).monitor!]
    for (let i = 0; i < 15; i++) {
      const alert: Alert = {
        state: 'firing',
        rule: 'failed-jobs',
        text: `[supabase-sync] FIRING: race ${i}`,
        since: new Date().toISOString(),
        at: new Date().toISOString(),
      }
      await app.payload.jobs.queue({
        task: 'supabase-sync-alert',
        input: { alert },
        queue: 'supabase-sync-checks',
      } as never)
      // Both instances claim from the queue at once: Payload's claim alone would let both send it.
      await Promise.all(monitors.map((m) => m.runChecksQueue()))
      await eventually(async () =>
        expect(received.slice(from).filter((a) => a.text === alert.text).length).toBe(1),
      )
    }
    await evaluated(3)
    await Promise.all(monitors.map((m) => m.runChecksQueue()))
    const texts = received
      .slice(from)
      .map((a) => a.text)
      .filter((t) => t.includes('race'))
    expect(texts).toHaveLength(15)
    expect(new Set(texts).size).toBe(15)
  }, 90_000)

  it('a scheduled check finds a row tampered in Supabase and alerts once; resolved when repaired', async () => {
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await settled(app)
    // In sync: any drift alert from before is resolved by now.
    await quiet()
    await app.supabase.query(`update public.dealers set name = 'tampered' where id = $1`, [doc.id])
    await eventually(async () => expect(firing('drift')).toHaveLength(1), 60_000, 100)
    expect(firing('drift')[0]).toMatchObject({
      collection: 'dealers',
      counts: expect.objectContaining({ changed: 1 }),
      ids: [String(doc.id)],
    })
    await syncDocuments(app.payload, { ids: [String(doc.id)] })
    await eventually(async () => expect(resolved('drift')).toHaveLength(1), 60_000, 100)
    expect(firing('drift')).toHaveLength(1)
    const { docs } = await app.payload.find({
      collection: 'supabase-sync-events',
      where: { and: [{ action: { equals: 'validate' } }, { source: { equals: 'schedule' } }] },
      depth: 0,
      limit: 1,
    })
    expect(docs).toHaveLength(1)
  }, 120_000)
})

describe('checks across instances', () => {
  /**
   * A check of the whole table, as an operator's: the scheduled checks (every 2 s here, on either
   * instance) hold the check's lock while they run, and one asked for meanwhile is refused
   * (BusyError) — asked again once that one is done.
   */
  async function checkNow(payload: Payload): Promise<void> {
    for (;;) {
      try {
        await validateSync(payload)
        return
      } catch (error) {
        if (!(error instanceof BusyError)) throw error
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  it('/health judges drift by the newest check of any instance, not by the last one it ran', async () => {
    second ??= await startPayload(app.stack, {
      sync: sync((globalThis as { webhook?: string }).webhook!),
      extend,
    })
    // Started here when this test runs alone: its startup reconcile holds the sync's lock a while.
    await whenIdle(second.payload)
    const doc = await app.payload.create({ collection: 'dealers', data: dealerData() })
    await settled(app)
    await app.supabase.query(`update public.dealers set name = 'tampered' where id = $1`, [doc.id])
    await checkNow(app.payload)
    const drifted = await get('/supabase-sync/health', `Bearer ${token}`)
    expect(drifted.text).toMatch(/dealers: the last check .* found 0 missing, 0 extra, 1 changed/)
    await syncDocuments(app.payload, { ids: [String(doc.id)] })
    // The newest check is the other instance's: in sync.
    await checkNow(second.payload)
    const now = await get('/supabase-sync/health', `Bearer ${token}`)
    expect(now.text).not.toMatch(/the last check/)
  }, 60_000)

  it('a check job that a runner which died left processing is released, and the scheduled checks go on', async () => {
    const checks = async () =>
      (
        await app.payload.count({
          collection: 'supabase-sync-events',
          where: { and: [{ action: { equals: 'validate' } }, { source: { equals: 'schedule' } }] },
        })
      ).totalDocs
    // One check job as a runner that died leaves it: processing, long ago.
    await app.payload.jobs.queue({
      task: 'supabase-sync-check',
      queue: 'supabase-sync-checks',
      input: {},
      // As Payload's schedule queues it: its scheduler queues no other while this one is not done.
      meta: { scheduled: true },
    } as never)
    const db = new pg.Client({ connectionString: app.stack.databaseUri })
    await db.connect()
    try {
      await db.query(
        `update payload_jobs set processing = true, updated_at = now() - interval '1 hour'
          where task_slug = 'supabase-sync-check' and completed_at is null`,
      )
    } finally {
      await db.end()
    }
    // (A check running as the job was marked still ends and counts: three more mean the schedule goes on.)
    const before = await checks()
    await eventually(async () => expect(await checks()).toBeGreaterThan(before + 2), 30_000, 100)
  }, 60_000)
})
