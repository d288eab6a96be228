/**
 * Phoenix channel frames as Supabase Realtime sends and reads them.
 *
 * vsn 2.0.0 (realtime-js's default, lib/constants.ts DEFAULT_VSN) is a JSON array
 * `[join_ref, ref, topic, event, payload]` (realtime-js lib/serializer.ts; the server's
 * lib/realtime_web/socket/v2_serializer.ex: `encode!(%Reply{})` → `[join_ref, ref, topic, "phx_reply",
 * {status, response}]`, `encode!(%Message{})` → `[join_ref, ref, topic, event, payload]`, `fastlane!` →
 * `[nil, nil, topic, event, payload]`). vsn 1.0.0 is Phoenix's V1 JSON object
 * `{topic, event, payload, ref}` (Phoenix.Socket.V1.JSONSerializer). Binary frames (user broadcasts)
 * are not part of postgres_changes and are ignored.
 */

export type Vsn = '1.0.0' | '2.0.0'
export const SUPPORTED_VSN: readonly Vsn[] = ['1.0.0', '2.0.0']

export interface Frame {
  joinRef: string | null
  ref: string | null
  topic: string
  event: string
  payload: Record<string, unknown>
}

/** Encodes a frame for the socket's protocol version. */
export function encodeFrame(vsn: Vsn, frame: Frame): string {
  if (vsn === '1.0.0') {
    return JSON.stringify({
      topic: frame.topic,
      event: frame.event,
      payload: frame.payload,
      ref: frame.ref,
      ...(frame.joinRef !== null ? { join_ref: frame.joinRef } : {}),
    })
  }
  return JSON.stringify([frame.joinRef, frame.ref, frame.topic, frame.event, frame.payload])
}

/** Decodes a text frame; undefined when it is not a Phoenix message (the server logs and ignores those). */
export function decodeFrame(vsn: Vsn, text: string): Frame | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return undefined
  }
  if (vsn === '2.0.0') {
    if (!Array.isArray(raw) || raw.length < 5) return undefined
    const [joinRef, ref, topic, event, payload] = raw as unknown[]
    if (typeof topic !== 'string' || typeof event !== 'string') return undefined
    return {
      joinRef: joinRef == null ? null : String(joinRef),
      ref: ref == null ? null : String(ref),
      topic,
      event,
      payload: isObject(payload) ? payload : {},
    }
  }
  if (!isObject(raw)) return undefined
  const { topic, event, payload, ref, join_ref: joinRef } = raw
  if (typeof topic !== 'string' || typeof event !== 'string') return undefined
  return {
    joinRef: joinRef == null ? null : String(joinRef),
    ref: ref == null ? null : String(ref),
    topic,
    event,
    payload: isObject(payload) ? payload : {},
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `phx_reply` to a push: Phoenix.Socket's `%Reply{}`. */
export function reply(
  request: Pick<Frame, 'joinRef' | 'ref' | 'topic'>,
  status: 'ok' | 'error',
  response: Record<string, unknown>,
): Frame {
  return {
    joinRef: request.joinRef,
    ref: request.ref,
    topic: request.topic,
    event: 'phx_reply',
    payload: { status, response },
  }
}

/** `phx_close` after a channel ends (Phoenix.Socket `encode_close`: ref = join_ref, empty payload). */
export function close(topic: string, joinRef: string | null): Frame {
  return { joinRef, ref: joinRef, topic, event: 'phx_close', payload: {} }
}
