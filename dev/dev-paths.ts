/** Where the dev app lives and keeps its data: one place, so every part of it agrees. */
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const devDir = path.dirname(fileURLToPath(import.meta.url))
export const repoDir = path.resolve(devDir, '..')
/** Where `npm run dev` keeps its data between runs (gitignored). */
export const defaultDataRoot = path.join(devDir, '.data')
