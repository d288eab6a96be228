/**
 * Inline styles of the console, the sidebar box and the list pill: Payload's theme variables only
 * (`--theme-elevation-*`, `--theme-success-*`, `--theme-error-*`, `--base`), so light and dark theme
 * both work, and no stylesheet has to be imported (the package ships no CSS).
 */
import type { CSSProperties } from 'react'

export const styles = {
  /** The dashboard panel's frame. */
  panel: {
    border: '1px solid var(--theme-elevation-150)',
    borderRadius: 'var(--style-radius-m, 4px)',
    background: 'var(--theme-elevation-50)',
    padding: 'calc(var(--base) * 0.8) var(--base)',
    marginBottom: 'calc(var(--base) * 1.5)',
  },
  title: { margin: 0, fontSize: '1.1rem', lineHeight: 1.4 },
  section: {
    border: '1px solid var(--theme-elevation-150)',
    borderRadius: 'var(--style-radius-m, 4px)',
    background: 'var(--theme-elevation-0, var(--theme-bg))',
    padding: 'calc(var(--base) * 0.8) var(--base)',
    marginBottom: 'calc(var(--base) * 1.2)',
  },
  sectionHeader: {
    display: 'flex',
    alignItems: 'center',
    gap: 'calc(var(--base) * 0.5)',
    flexWrap: 'wrap',
    marginBottom: 'calc(var(--base) * 0.5)',
  },
  h2: { margin: 0, fontSize: '1.15rem', lineHeight: 1.4 },
  h3: { margin: 0, fontSize: '1rem', lineHeight: 1.4 },
  spacer: { flex: 1 },
  row: { display: 'flex', alignItems: 'center', gap: 'calc(var(--base) * 0.4)', flexWrap: 'wrap' },
  muted: { color: 'var(--theme-elevation-500)', fontSize: '0.85rem' },
  good: { color: 'var(--theme-success-600)' },
  bad: { color: 'var(--theme-error-600)', fontWeight: 600 },
  warn: { color: 'var(--theme-warning-700, var(--theme-error-600))' },
  link: { color: 'var(--theme-text)', textDecoration: 'underline' },
  linkButton: {
    background: 'none',
    border: 'none',
    padding: 0,
    color: 'var(--theme-elevation-600)',
    textDecoration: 'underline',
    cursor: 'pointer',
    fontSize: '0.8rem',
  },
  facts: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: 'calc(var(--base) * 0.4) calc(var(--base) * 1.6)',
    margin: 'calc(var(--base) * 0.4) 0',
  },
  fact: { display: 'flex', flexDirection: 'column' },
  factLabel: {
    color: 'var(--theme-elevation-500)',
    fontSize: '0.75rem',
    textTransform: 'uppercase',
    letterSpacing: '0.04em',
  },
  num: { fontVariantNumeric: 'tabular-nums' },
  tableWrap: { marginBottom: 'calc(var(--base) * 0.5)' },
  table: { width: '100%', borderCollapse: 'collapse', fontSize: '0.9rem' },
  th: { textAlign: 'left', fontWeight: 500, whiteSpace: 'nowrap' },
  /** The health table's cells, which render outside Payload's `.table` too (the dashboard panel). */
  healthTh: {
    textAlign: 'left',
    fontWeight: 500,
    color: 'var(--theme-elevation-500)',
    padding: '4px 12px 4px 0',
    borderBottom: '1px solid var(--theme-elevation-150)',
  },
  healthTd: {
    padding: '6px 12px 6px 0',
    borderBottom: '1px solid var(--theme-elevation-100)',
    verticalAlign: 'top',
  },
  td: { verticalAlign: 'top' },
  tdValue: { verticalAlign: 'top', maxWidth: '40ch' },
  pre: {
    margin: 0,
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    fontFamily: 'var(--font-mono, monospace)',
    fontSize: '0.8rem',
    lineHeight: 1.45,
  },
  problems: {
    margin: 'calc(var(--base) * 0.3) 0 0',
    paddingLeft: 'calc(var(--base) * 1.2)',
    color: 'var(--theme-error-700)',
  },
  progressTrack: {
    height: '6px',
    borderRadius: '3px',
    background: 'var(--theme-elevation-100)',
    overflow: 'hidden',
    margin: '6px 0',
    maxWidth: '480px',
  },
  tabs: { display: 'flex', gap: '4px', flexWrap: 'wrap', margin: 'calc(var(--base) * 0.5) 0' },
  box: {
    border: '1px solid var(--theme-elevation-150)',
    borderRadius: 'var(--style-radius-m, 4px)',
    padding: 'calc(var(--base) * 0.6)',
    marginBottom: 'var(--base)',
  },
  srOnly: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    padding: 0,
    margin: '-1px',
    overflow: 'hidden',
    clip: 'rect(0, 0, 0, 0)',
    whiteSpace: 'nowrap',
    border: 0,
  },
} satisfies Record<string, CSSProperties>

/** The dashboard panel's OK / Needs attention badge. */
export const badge = (ok: boolean): CSSProperties => ({
  display: 'inline-block',
  padding: '1px 10px',
  borderRadius: '999px',
  fontSize: '0.8rem',
  fontWeight: 600,
  color: ok ? 'var(--theme-success-800)' : 'var(--theme-error-800)',
  background: ok ? 'var(--theme-success-100)' : 'var(--theme-error-100)',
  border: `1px solid ${ok ? 'var(--theme-success-300)' : 'var(--theme-error-300)'}`,
})

/** The progress bar's fill, `fraction` 0..1. */
export const progressFill = (fraction: number): CSSProperties => ({
  width: `${Math.round(fraction * 100)}%`,
  height: '100%',
  background: 'var(--theme-success-500)',
  transition: 'width 0.3s',
})
