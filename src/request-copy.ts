/**
 * A save's `req` for a Local API call inside its transaction. Payload's Local API writes the options it
 * is given (the locale) into the `req` it gets, and the save's own `req` must keep its own: so a copy,
 * which carries the transaction's id resolved (it may still be the promise of one being opened).
 */
import type { PayloadRequest } from 'payload'

export async function copyInTransaction(req: PayloadRequest): Promise<PayloadRequest> {
  const transactionID =
    req.transactionID instanceof Promise ? await req.transactionID : req.transactionID
  return { ...req, transactionID } as PayloadRequest
}
