// A webpack loader for the dev app (next.config.mjs): the admin's code editor (JSON fields) is Monaco,
// which @monaco-editor/loader (bundled into @payloadcms/ui) fetches from a CDN. This points it at the
// installed monaco-editor, which dev/app/monaco/vs/[...path]/route.ts serves, so the editor works offline.
const cdn = /https:\/\/cdn\.jsdelivr\.net\/npm\/monaco-editor@[^/'"`]+\/min\/vs/g

module.exports = function monacoLocal(source) {
  return source.replace(cdn, '/monaco/vs')
}
