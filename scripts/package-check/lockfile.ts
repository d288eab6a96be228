/** The versions the throw-away project installs: those of this repo's lockfile. */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fail } from './failure.js'
import { projectDeps, repo } from './settings.js'

/** The lockfile's version of each of projectDeps; payload and @payloadcms/db-postgres must agree. */
export function lockfileVersions(): Record<string, string> {
  const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>
  }
  const versions = Object.fromEntries(
    projectDeps.map((name) => {
      const v = lock.packages[`node_modules/${name}`]?.version
      if (!v) throw new Error(`${name} is not in package-lock.json`)
      return [name, v]
    }),
  )
  if (versions.payload !== versions['@payloadcms/db-postgres'])
    fail(
      `the lockfile has payload ${versions.payload} but @payloadcms/db-postgres ${versions['@payloadcms/db-postgres']}: they must be the same exact version`,
    )
  return versions
}
