// `node --import ./forbid-react.js …`: a resolve hook that fails any import of react or react-dom made
// by a module of payload-plugin-supabase-sync (the main entry promises never to load React).
import { register } from 'node:module'

const hooks = `
export async function resolve(specifier, context, next) {
  if (/^react(-dom)?(\\/|$)/.test(specifier) && /\\/node_modules\\/payload-plugin-supabase-sync\\//.test(context.parentURL ?? '')) {
    throw new Error('the main entry loads ' + specifier + ' (imported by ' + context.parentURL + ')')
  }
  return next(specifier, context)
}
`
register(`data:text/javascript,${encodeURIComponent(hooks)}`)
