/**
 * The two ways a check stops short: a CheckFailure is what a step found wrong (its message is the
 * report), StopCheck ends the run after a critical step failed or when the check is finishing.
 */

export class CheckFailure extends Error {}
export const fail = (message: string): never => {
  throw new CheckFailure(message)
}
export class StopCheck extends Error {}
