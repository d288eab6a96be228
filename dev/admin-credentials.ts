/** The dev admin's email and password, stable across `npm run dev` runs without being in the repo. */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'

/** The admin's credentials: from the environment, else the ones saved in the data root, else new ones (saved there). */
export async function adminCredentials(
  dataRoot: string,
  persistent: boolean,
): Promise<{ email: string; password: string }> {
  const email = process.env.DEV_ADMIN_EMAIL || 'dev@example.com'
  if (process.env.DEV_ADMIN_PASSWORD) return { email, password: process.env.DEV_ADMIN_PASSWORD }
  const file = path.join(dataRoot, 'dev-admin.json')
  try {
    const saved = JSON.parse(await fs.readFile(file, 'utf8')) as {
      email?: string
      password?: string
    }
    if (saved.password && (saved.email ?? email) === email)
      return { email, password: saved.password }
  } catch {
    // none saved yet
  }
  const password = `dev-${randomBytes(9).toString('base64url')}`
  if (persistent)
    await fs.writeFile(file, JSON.stringify({ email, password }, null, 2) + '\n', { mode: 0o600 })
  return { email, password }
}
