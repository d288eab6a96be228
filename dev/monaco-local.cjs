// A webpack loader for the dev app (next.config.mjs): the admin's code editor (JSON fields) is Monaco,
// which @monaco-editor/loader (bundled into @payloadcms/ui) fetches from a CDN. This points it at the
// installed monaco-editor, which dev/app/monaco/vs/[...path]/route.ts serves, so the editor works offline.
//
// Why the editor used to take 30-40 s to appear on a first visit: nothing asked for Monaco before an edit
// view with a JSON field mounted its editor; only then did `next dev` compile the /monaco route, and
// Monaco's AMD loader fetched its files in a chain of dependent requests (loader.js, editor.main.js,
// a dozen chunks, then the JSON language), each queued behind the page's own rendering on a busy dev
// server. dev/app/(payload)/MonacoPreload.tsx now loads Monaco as soon as any admin page (the login
// page first) is idle, so the route is compiled and the files are in the browser's cache (and Monaco
// itself in memory, for client-side navigations) before the editor is needed.
const cdn = /https:\/\/cdn\.jsdelivr\.net\/npm\/monaco-editor@[^/'"`]+\/min\/vs/g

module.exports = function monacoLocal(source) {
  return source.replace(cdn, '/monaco/vs')
}
