// @ts-check
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'dev/.next/**',
      'dev/.data/**',
      'dev/app/(payload)/admin/importMap.js',
      'dev/next-env.d.ts',
      'dev/payload-types.ts',
      'test-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Tests and benches read loosely typed results; the plugin's own code may not.
    files: ['test/**', 'bench/**', 'scripts/**', 'dev/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
)
