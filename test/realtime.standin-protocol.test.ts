/**
 * Supabase Realtime in the local stack, frame by frame with a raw WebSocket: the join, system and
 * postgres_changes frames, heartbeats, protocol 1.0.0, refreshed tokens and refused keys.
 *
 * Waits are for conditions, never durations. "Nothing arrived" is shown with a later change that does
 * arrive on the same socket: the stand-in sends one change's messages before the next change's, and a
 * WebSocket keeps their order. The stand-in and the listener: test/helpers/realtime-standin.ts.
 */
import WebSocket from 'ws'
import { describe, expect, it } from 'vitest'
import { signKey } from '../dev/postgrest/auth.js'
import type { LocalStack } from '../dev/stack.js'
import { ISO_MS_UTC, stack, useRealtimeStandin } from './helpers/realtime-standin.js'
import { dealer, eventually, rest, sql, uuid } from './helpers/standin.js'

useRealtimeStandin()

/** A raw Realtime socket: the frames as they travel (vsn 2.0.0 arrays). */
async function rawSocket(
  s: LocalStack,
  key = s.serviceRoleKey,
): Promise<{
  ws: WebSocket
  frames: unknown[][]
  send(frame: unknown[]): void
  next(match: (f: unknown[]) => boolean): Promise<unknown[]>
}> {
  const url = `${s.supabaseUrl.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${key}&vsn=2.0.0`
  const ws = new WebSocket(url)
  const frames: unknown[][] = []
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())))
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  return {
    ws,
    frames,
    send: (frame) => ws.send(JSON.stringify(frame)),
    next: (match) => eventually(() => frames.find(match), 'a frame') as Promise<unknown[]>,
  }
}

describe('the protocol, frame by frame', () => {
  it('serves Realtime on the REST port; other upgrade paths get 404', async () => {
    expect((await rest(stack, 'dealers')).status).toBe(200)
    const raw = await rawSocket(stack)
    raw.ws.terminate()
    const other = new WebSocket(`${stack.supabaseUrl.replace(/^http/, 'ws')}/rest/v1/dealers`)
    const status = await new Promise<number | undefined>((resolve) => {
      other.once('unexpected-response', (_req, res) => resolve(res.statusCode))
      other.once('error', () => resolve(undefined))
    })
    expect(status).toBe(404)
  })

  it('join reply with ids, system message, postgres_changes with columns, heartbeat, leave', async () => {
    const raw = await rawSocket(stack)
    try {
      raw.send([null, '1', 'phoenix', 'heartbeat', {}])
      expect(await raw.next((f) => f[1] === '1')).toEqual([
        null,
        '1',
        'phoenix',
        'phx_reply',
        { status: 'ok', response: {} },
      ])

      const entry = { event: 'UPDATE', schema: 'public', table: 'items', filter: 'id=eq.2' }
      raw.send([
        '3',
        '3',
        'realtime:raw',
        'phx_join',
        {
          config: {
            broadcast: { ack: false, self: false },
            presence: { key: '', enabled: false },
            postgres_changes: [entry],
            private: false,
          },
          access_token: stack.serviceRoleKey,
        },
      ])
      const joined = (await raw.next((f) => f[1] === '3')) as [
        string,
        string,
        string,
        string,
        { status: string; response: { postgres_changes: { id: number }[] } },
      ]
      expect(joined.slice(0, 4)).toEqual(['3', '3', 'realtime:raw', 'phx_reply'])
      expect(joined[4].status).toBe('ok')
      const [withId] = joined[4].response.postgres_changes
      expect(withId).toEqual({ ...entry, id: expect.any(Number) })
      expect(await raw.next((f) => f[3] === 'system')).toEqual([
        '3',
        null,
        'realtime:raw',
        'system',
        {
          extension: 'postgres_changes',
          status: 'ok',
          message: 'Subscribed to PostgreSQL',
          channel: 'raw',
        },
      ])

      // Only the update of row 2 passes the event and filter, on the server already.
      await sql(stack, `insert into public.items values (1, 'a', 1), (2, 'b', 1)`)
      await sql(stack, `update public.items set qty = qty + 1`)
      await sql(stack, `delete from public.items`)
      const change = (await raw.next((f) => f[3] === 'postgres_changes')) as unknown[]
      expect(change.slice(0, 3)).toEqual([null, null, 'realtime:raw'])
      const payload = change[4] as { ids: number[]; data: Record<string, unknown> }
      expect(payload.ids).toEqual([withId.id])
      expect(payload.data).toEqual({
        schema: 'public',
        table: 'items',
        type: 'UPDATE',
        commit_timestamp: expect.stringMatching(ISO_MS_UTC),
        columns: [
          { name: 'id', type: 'int4' },
          { name: 'label', type: 'text' },
          { name: 'qty', type: 'int4' },
        ],
        record: { id: 2, label: 'b', qty: 2 },
        old_record: { id: 2, label: 'b', qty: 1 },
        errors: null,
      })

      raw.send(['3', '4', 'realtime:raw', 'phx_leave', {}])
      expect(await raw.next((f) => f[1] === '4')).toEqual([
        '3',
        '4',
        'realtime:raw',
        'phx_reply',
        { status: 'ok', response: {} },
      ])
      expect(await raw.next((f) => f[3] === 'phx_close')).toEqual([
        '3',
        '3',
        'realtime:raw',
        'phx_close',
        {},
      ])
      raw.send([null, '5', 'realtime:raw', 'broadcast', {}])
      expect(await raw.next((f) => f[1] === '5')).toEqual([
        null,
        '5',
        'realtime:raw',
        'phx_reply',
        { status: 'error', response: { reason: 'unmatched topic' } },
      ])
      expect(raw.frames.filter((f) => f[3] === 'postgres_changes')).toHaveLength(1)
    } finally {
      raw.ws.terminate()
    }
  })

  it('speaks protocol 1.0.0 (JSON objects) too', async () => {
    const ws = new WebSocket(
      `${stack.supabaseUrl.replace(/^http/, 'ws')}/realtime/v1/websocket?apikey=${stack.serviceRoleKey}&vsn=1.0.0`,
    )
    const frames: unknown[] = []
    ws.on('message', (data) => frames.push(JSON.parse(data.toString())))
    await new Promise((resolve) => ws.once('open', resolve))
    try {
      ws.send(JSON.stringify({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '7' }))
      expect(await eventually(() => frames[0], 'the reply')).toEqual({
        topic: 'phoenix',
        event: 'phx_reply',
        payload: { status: 'ok', response: {} },
        ref: '7',
      })
    } finally {
      ws.terminate()
    }
  })

  it('a refreshed access_token re-subscribes with the new role', async () => {
    const raw = await rawSocket(stack)
    try {
      const entry = { event: '*', schema: 'public', table: 'dealers' }
      raw.send(['1', '1', 'realtime:r', 'phx_join', { config: { postgres_changes: [entry] } }])
      await raw.next((f) => f[3] === 'system')
      // The service role sees the row ...
      await rest(stack, 'dealers', { method: 'POST', body: dealer(1) })
      const first = (await raw.next((f) => f[3] === 'postgres_changes')) as any[]
      expect(first[4].data.record.id).toBe(uuid(1))
      // ... anon, after the refresh, only a 401.
      raw.send(['1', '2', 'realtime:r', 'access_token', { access_token: stack.anonKey }])
      await eventually(
        () => raw.frames.filter((f) => f[3] === 'system').length === 2,
        'resubscribed',
      )
      expect(raw.frames.filter((f) => f[3] === 'system')[1][4]).toMatchObject({
        extension: 'postgres_changes',
        status: 'ok',
      })
      await rest(stack, 'dealers', { method: 'POST', body: dealer(2) })
      await eventually(
        () => raw.frames.filter((f) => f[3] === 'postgres_changes').length === 2,
        'the second change',
      )
      const second = raw.frames.filter((f) => f[3] === 'postgres_changes')[1] as any[]
      expect(second[4].data).toMatchObject({ errors: ['Error 401: Unauthorized'], record: {} })
    } finally {
      raw.ws.terminate()
    }
  })

  it('refuses a bad key at connect (401) and at join, and closes a channel on a bad refreshed token', async () => {
    const refused = await rawSocket(stack, 'not-a-jwt').then(
      () => 'connected',
      (error: Error) => error.message,
    )
    expect(refused).toMatch(/401/)

    const raw = await rawSocket(stack)
    try {
      raw.send(['1', '1', 'realtime:a', 'phx_join', { config: {}, access_token: 'x.y.z' }])
      expect(await raw.next((f) => f[1] === '1')).toEqual([
        '1',
        '1',
        'realtime:a',
        'phx_reply',
        {
          status: 'error',
          response: { reason: 'MalformedJWT: The token provided is not a valid JWT' },
        },
      ])
      raw.send(['2', '2', 'realtime:b', 'phx_join', { config: { postgres_changes: [] } }])
      expect(((await raw.next((f) => f[1] === '2')) as any)[4]).toEqual({
        status: 'ok',
        response: { postgres_changes: [] },
      })
      // A valid refreshed token (another role): the subscriptions are made again, for that role.
      raw.send(['2', '3', 'realtime:b', 'access_token', { access_token: stack.anonKey }])
      raw.send([null, '4', 'phoenix', 'heartbeat', {}])
      await raw.next((f) => f[1] === '4')
      expect(raw.frames.filter((f) => f[2] === 'realtime:b' && f[3] !== 'phx_reply')).toEqual([])
      // The refreshed token is signed with another secret: the channel is shut down.
      const other = await signKey('a-secret-of-another-project-0123', 'service_role')
      raw.send(['2', '5', 'realtime:b', 'access_token', { access_token: other }])
      expect(await raw.next((f) => f[3] === 'system')).toEqual([
        '2',
        null,
        'realtime:b',
        'system',
        {
          extension: 'system',
          status: 'error',
          message: 'Failed to validate JWT signature',
          channel: 'b',
        },
      ])
      expect(await raw.next((f) => f[3] === 'phx_close')).toEqual([
        '2',
        '2',
        'realtime:b',
        'phx_close',
        {},
      ])
    } finally {
      raw.ws.terminate()
    }
  })
})
