// The dev app's Next.js config: Payload's admin (withPayload) over dev/payload.config.ts.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { withPayload } from '@payloadcms/next/withPayload'

const here = path.dirname(fileURLToPath(import.meta.url))

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The app lives in dev/, its node_modules and the plugin's src/ one level up.
  turbopack: { root: path.resolve(here, '..') },
  outputFileTracingRoot: path.resolve(here, '..'),
  // `next dev --webpack` (dev/next-dev.ts): Turbopack in Next 16.4 cannot map the plugin's NodeNext
  // imports ('./x.js' for './x.ts'); webpack's resolve.extensionAlias does.
  webpack: (webpackConfig) => {
    webpackConfig.resolve.extensionAlias = {
      '.cjs': ['.cts', '.cjs'],
      '.js': ['.ts', '.tsx', '.js', '.jsx'],
      '.mjs': ['.mts', '.mjs'],
    }
    // Monaco (JSON fields) from this machine instead of a CDN: see monaco-local.cjs.
    webpackConfig.module.rules.push({
      test: /[\\/]node_modules[\\/](@payloadcms[\\/]ui|@monaco-editor[\\/]loader)[\\/].*\.m?js$/,
      use: [{ loader: path.join(here, 'monaco-local.cjs') }],
    })
    // DEV_NO_WATCH=1 (the browser smoke test, dev/smoke-admin.ts, sets it): no rebuild when files change.
    // The smoke test checks the code as it was when it started; an edit meanwhile (someone working on
    // src/) would make next dev refresh the page under test and reset the form it is filling in.
    if (process.env.DEV_NO_WATCH === '1')
      webpackConfig.watchOptions = { ...webpackConfig.watchOptions, ignored: /./ }
    return webpackConfig
  },
  async redirects() {
    return [{ source: '/', destination: '/admin', permanent: false }]
  },
}

export default withPayload(nextConfig, { devBundleServerPackages: false })
