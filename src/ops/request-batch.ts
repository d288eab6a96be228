/**
 * Calls made for one request in the same turn, answered together. Payload runs a collection's
 * `afterRead` hooks once per document, but for a page of `find` it starts every document's first
 * hook before any of them awaits (find.js: `Promise.all(docs.map(…))`): a call that waits for the
 * next turn of the event loop has the whole page beside it, and one pass over the page does what a
 * pass per document did. The batch is the request's (a WeakMap, gone with it); a call that comes
 * later, or a hook placed after another that awaited, starts a new batch — fewer at a time, never wrong.
 */
import type { PayloadRequest } from 'payload'

export type Batched<I, O> = (req: PayloadRequest, item: I) => Promise<O>

/** `run` gets the items of a batch and answers each, in their order. */
export function batchPerRequest<I, O>(
  run: (req: PayloadRequest, items: I[]) => Promise<O[]>,
): Batched<I, O> {
  const open = new WeakMap<PayloadRequest, { items: I[]; answers: Promise<O[]> }>()
  return (req, item) => {
    let batch = open.get(req)
    if (!batch) {
      const items: I[] = []
      const answers = new Promise<O[]>((resolve, reject) => {
        setImmediate(() => {
          open.delete(req)
          run(req, items).then(resolve, reject)
        })
      })
      batch = { items, answers }
      open.set(req, batch)
    }
    const index = batch.items.push(item) - 1
    return batch.answers.then((answers) => answers[index])
  }
}
