/** `next dev` compiles a route on its first request: asking for it once takes that wait before anyone needs the page. */

/** Requests `path` once so that Next compiles it; resolves with the time it took. */
export async function warmUp(
  url: string,
  timeoutMs = 180_000,
): Promise<{ ms: number; status: number }> {
  const t = Date.now()
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
  await res.arrayBuffer()
  return { ms: Date.now() - t, status: res.status }
}
