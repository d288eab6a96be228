/** An app that syncs only the codes collection (text ids in another collation: collections.ts). */
import type { DevConfigOptions } from '../../dev/config.js'
import { startApp, type TestApp } from './app.js'
import { Codes, codeMapper, codesTableSql } from './collections.js'

export function startCodesApp(sync: DevConfigOptions['sync'] = {}): Promise<TestApp> {
  return startApp({
    supabaseSql: codesTableSql,
    collections: [Codes],
    sync: {
      syncOnInit: false,
      ...sync,
      collections: { codes: { table: 'codes', mapper: codeMapper as never } },
    },
  })
}
