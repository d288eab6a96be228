/**
 * `npm run test:browser` (what `.ci/smoke` runs): the smoke test (dev/smoke-admin.ts), then the sync
 * console's test (dev/console-admin.ts), the client components' regression tests
 * (dev/admin-client.ts) and the drift lists' bulk actions (dev/bulk-admin.ts), on one dev app and one
 * Chromium — the admin is compiled once for all. Each can also run on its own (`npm run smoke:admin`,
 * `npm run console:admin`, `npm run client:admin`, `npm run bulk:admin`).
 */
import { clientTest } from './admin-client.js'
import { runBrowserTests } from './browser.js'
import { bulkTest } from './bulk-admin.js'
import { consoleTest } from './console-admin.js'
import { smokeTest } from './smoke-admin.js'

await runBrowserTests([smokeTest, consoleTest, clientTest, bulkTest], 'browser-tests')
