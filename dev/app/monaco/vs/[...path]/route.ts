/* Serves node_modules/monaco-editor/min/vs for the admin's code editor (see dev/components/LocalMonaco.tsx). */
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
const roots = [process.cwd(), path.resolve(process.cwd(), '..')].map((dir) => path.join(dir, 'node_modules', 'monaco-editor', 'min', 'vs'))

export async function GET(_request: Request, { params }: { params: Promise<{ path: string[] }> }) {
  const parts = (await params).path
  if (parts.some((part) => part === '..' || part.includes('/') || part.includes('\\'))) return new Response('bad path', { status: 400 })
  for (const root of roots) {
    const file = path.join(root, ...parts)
    if (!file.startsWith(root + path.sep)) break
    try {
      const body = await fs.readFile(file)
      return new Response(body, {
        headers: { 'content-type': types[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'public, max-age=3600' },
      })
    } catch {
      // not under this root
    }
  }
  return new Response('not found', { status: 404 })
}
