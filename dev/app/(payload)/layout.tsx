/* The admin's root layout (Payload's Next.js integration): the config, the import map and the server functions. */
import config from '@payload-config'
import '@payloadcms/next/css'
import { handleServerFunctions, RootLayout } from '@payloadcms/next/layouts'
import type { ServerFunctionClient } from 'payload'
import type React from 'react'

import { importMap } from './admin/importMap.js'
import './custom.scss'
import { MonacoPreload } from './MonacoPreload.js'

const serverFunction: ServerFunctionClient = async function (args) {
  'use server'
  return handleServerFunctions({ ...args, config, importMap })
}

export default function Layout({ children }: { children: React.ReactNode }) {
  return (
    <RootLayout config={config} importMap={importMap} serverFunction={serverFunction}>
      {children}
      {/* The JSON fields' code editor, fetched while the admin is idle: see MonacoPreload.tsx. */}
      <MonacoPreload />
    </RootLayout>
  )
}
