/**
 * `npm run test:browser` (what `.ci/smoke` runs): the smoke test (dev/smoke-admin.ts), then the sync
 * console's test (dev/console-admin.ts), then the client components' regression tests
 * (dev/admin-client.ts), on one dev app and one Chromium — the admin is compiled once for all. Each
 * can also run on its own (`npm run smoke:admin`, `npm run console:admin`, `npm run client:admin`).
 */
import { clientTest } from './admin-client.js'
import { runBrowserTests } from './browser.js'
import { consoleTest } from './console-admin.js'
import { smokeTest } from './smoke-admin.js'

await runBrowserTests([smokeTest, consoleTest, clientTest], 'browser-tests')
