// ESLint flat config: typescript-eslint's recommended rules plus the architecture's seams (DESIGN §1):
// the core (src/model) and src/shared never import vscode; the webview imports only from src/shared (pure: no TF.js).
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
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        require: 'readonly',
        __dirname: 'readonly',
        module: 'writable',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        performance: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  { files: ['*.js', 'scripts/**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['src/model/**/*.ts', 'src/cli/**/*.ts'], rules: noVscode },
  {
    // src/shared goes into every bundle, the webview's included: plain TypeScript, no vscode, no core, no TF.js.
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/shared is plain code for every bundle: no vscode here (DESIGN §1).' }],
          patterns: [
            { group: ['**/model/**', '**/extension/**', '**/cli/**', '@tensorflow/*'], message: 'src/shared goes into the webview bundle: no core, no TF.js.' },
          ],
        },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      // src/shared holds the protocol's validators and pure formatters, which the webview uses; the core does not go
      // into the webview's bundle (test/unit/bundle.test.ts checks the bundle has no TF.js).
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The webview runs in a browser: no vscode API (DESIGN §1).' }],
          patterns: [
            {
              group: ['**/src/model/**', '**/src/extension/**', '**/src/cli/**', '@tensorflow/*'],
              message: 'The webview imports only from src/shared (DESIGN §1).',
            },
          ],
        },
      ],
    },
  },
);
