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
  // `next dev --webpack` (dev/devApp.ts): Turbopack in Next 16.4 cannot map the plugin's NodeNext
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
    return webpackConfig
  },
  async redirects() {
    return [{ source: '/', destination: '/admin', permanent: false }]
  },
}

export default withPayload(nextConfig, { devBundleServerPackages: false })
