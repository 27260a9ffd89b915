// ESLint flat config: typescript-eslint's recommended rules plus the architecture's seams (DESIGN §1):
// the core (src/model) and the shared protocol never import vscode; the webview imports only types from src/shared.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noVscode = {
  'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'The core and the protocol are plain Node code: no vscode here (DESIGN §1).' }] }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test/fixtures/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', require: 'readonly', __dirname: 'readonly', module: 'writable', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', performance: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  { files: ['*.js', 'scripts/**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['src/model/**/*.ts', 'src/shared/**/*.ts', 'src/cli/**/*.ts'], rules: noVscode },
  {
    files: ['webview/**/*.ts'],
    rules: {
      // The TypeScript variant so that `import type` from src/shared passes while a value import does not.
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The webview runs in a browser: no vscode API (DESIGN §1).' }],
        patterns: [
          { group: ['**/src/model/**', '**/src/extension/**', '**/src/cli/**'], message: 'The webview imports only types from src/shared (DESIGN §1).' },
          { group: ['**/src/shared/**'], allowTypeImports: true, message: 'The webview imports only types from src/shared (DESIGN §1): use `import type`.' },
        ],
      }],
    },
  },
);
