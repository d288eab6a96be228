/**
 * The character cursor the query-string parsers share, with PostgREST's Parsec-style errors.
 */
import { notImplemented, queryParamError } from './errors.js'

/**
 * A tiny cursor parser. PostgREST's errors come from Parsec and read
 * `"failed to parse filter (x)" (line 1, column N)` with details `unexpected "c" expecting ...`;
 * the stand-in keeps that shape (the column is the best effort, clients only read the code).
 */
export class Cursor {
  pos = 0
  constructor(
    readonly text: string,
    readonly what: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length
  }

  peek(): string {
    return this.text[this.pos] ?? ''
  }

  tryString(s: string): boolean {
    if (this.text.startsWith(s, this.pos)) {
      this.pos += s.length
      return true
    }
    return false
  }

  skipSpaces(): void {
    while (this.peek() === ' ') this.pos++
  }

  fail(expecting: string): never {
    const unexpected = this.done ? 'end of input' : JSON.stringify(this.peek())
    throw queryParamError(
      `"failed to parse ${this.what} (${this.text})" (line 1, column ${this.pos + 1})`,
      `unexpected ${unexpected} expecting ${expecting}`,
    )
  }

  expect(s: string, expecting = JSON.stringify(s)): void {
    if (!this.tryString(s)) this.fail(expecting)
  }

  expectEnd(expecting: string): void {
    if (!this.done) this.fail(expecting)
  }

  /** `"quoted \" name"` with backslash escapes, as pQuotedValue. */
  quoted(): string {
    this.expect('"')
    let out = ''
    while (!this.done && this.peek() !== '"') {
      if (this.peek() === '\\') this.pos++
      out += this.peek()
      this.pos++
    }
    this.expect('"')
    return out
  }

  /** pFieldName: a quoted name, or identifier characters (letters, digits, _, $, space) joined by dashes. */
  fieldName(): string {
    this.skipSpaces()
    if (this.peek() === '"') return this.quoted()
    const start = this.pos
    while (!this.done) {
      const c = this.peek()
      if (/[\p{L}\p{N}_$ ]/u.test(c)) this.pos++
      else if (c === '-' && this.text[this.pos + 1] !== '>' && this.pos > start) this.pos++
      else break
    }
    const name = this.text.slice(start, this.pos).trim()
    if (name === '') this.fail('field name (* or [a..z0..9_$])')
    if (this.text.startsWith('->', this.pos))
      throw notImplemented('JSON paths (->, ->>) are not supported by the stand-in')
    return name
  }
}
