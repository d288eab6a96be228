/*
 * Serves node_modules/monaco-editor/min/vs: the admin's code editor (JSON fields) loads Monaco from here
 * instead of a CDN (dev/monaco-local.cjs rewrites the CDN address; app/(payload)/MonacoPreload.tsx
 * loads it ahead of time). The files are cached by the browser for an hour.
 */
import fs from 'node:fs/promises'
import path from 'node:path'

const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
}

// next dev runs in dev/; the packages are installed one level up.
const roots = [process.cwd(), path.resolve(process.cwd(), '..')].map((dir) =>
  path.join(dir, 'node_modules', 'monaco-editor', 'min', 'vs'),
)

/**
 * Monaco's AMD loader declares top-level `const`s, so as a classic script it throws "Identifier
 * '_amdLoaderGlobal' has already been declared" when a page runs it twice — which happens when
 * MonacoPreload and Payload's editor both start loading Monaco on the same page. In a function of its
 * own it runs twice without harm: the second run sees the loader installed and leaves it as it is.
 */
function wrapLoader(source: Buffer): string {
  return `(function () {\n${source.toString('utf8')}\n}).call(globalThis);\n`
}

export async function GET(_request: Request, { params }: { params: Promise<{ path: string[] }> }) {
  const parts = (await params).path
  if (parts.some((part) => part === '..' || part.includes('/') || part.includes('\\')))
    return new Response('bad path', { status: 400 })
  for (const root of roots) {
    const file = path.join(root, ...parts)
    if (!file.startsWith(root + path.sep)) break
    try {
      const body = await fs.readFile(file)
      return new Response(parts.join('/') === 'loader.js' ? wrapLoader(body) : body, {
        headers: {
          'content-type': types[path.extname(file)] ?? 'application/octet-stream',
          'cache-control': 'public, max-age=3600',
        },
      })
    } catch {
      // not under this root
    }
  }
  return new Response('not found', { status: 404 })
}
