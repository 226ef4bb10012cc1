// Lint rules, including the import zones that keep DESIGN.md's dependency direction:
// core ← waf, store ← identity, shield, probe, watch ← console ← cli.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

const SRC = './packages/palisade/src';
const modules = ['core', 'waf', 'store', 'identity', 'shield', 'probe', 'watch', 'console', 'cli'];
// What each module may import from (besides itself).
const allowed = {
  core: [],
  waf: ['core'],
  store: ['core'],
  identity: ['core', 'waf', 'store'],
  shield: ['core', 'waf', 'store', 'identity'],
  probe: ['core', 'waf', 'store', 'identity'],
  watch: ['core', 'waf', 'store', 'identity'],
  console: ['core', 'waf', 'store', 'identity', 'shield', 'probe', 'watch'],
  cli: ['core', 'waf', 'store', 'identity', 'shield', 'probe', 'watch', 'console'],
};

const zones = [];
for (const m of modules) {
  for (const other of modules) {
    if (other === m) continue;
    if (!allowed[m].includes(other)) {
      zones.push({
        target: `${SRC}/${m}`,
        from: `${SRC}/${other}`,
        message: `DESIGN.md: ${m}/ must not depend on ${other}/.`,
      });
    } else {
      // Allowed modules are reached only through their public face, index.ts.
      zones.push({
        target: `${SRC}/${m}`,
        from: `${SRC}/${other}`,
        except: ['./index.ts', './index.js'],
        message: `Import ${other}/ through its index.ts only.`,
      });
    }
  }
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'packages/palisade/console-web/**', '.palisade/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { typescript: { noWarnOnMultipleProjects: true, project: ['packages/*/tsconfig.json', 'demo/tsconfig.json', 'test/tsconfig.json', 'bench/tsconfig.json'] }, node: true } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['packages/palisade/src/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones }] },
  },
  // The web console runs in the browser and follows the Rules of React.
  {
    files: ['packages/console/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: { ...globals.browser }, ecmaVersion: 2023, sourceType: 'module', parserOptions: { ecmaFeatures: { jsx: true } } },
    settings: { 'import-x/resolver': { typescript: { project: ['packages/console/tsconfig.json'] }, node: true } },
  },
);
