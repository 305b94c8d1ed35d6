// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

// Dependency directions (DESIGN.md, "Layout"): handlers and the CLI -> wiring -> adapters;
// handlers, CLI -> control -> core <- adapters; lib/ never imports runtime code. Each rule
// names what a folder may not import; a relative import is matched by the folder it reaches.
/** @param {readonly string[]} folders */
const folders = (folders) => `^\\.{1,2}/(.*/)?(${folders.join('|')})(/|$)`;
// Node modules that do I/O or read the clock or the process: the core must stay pure.
const NODE_IO =
  '^(node:)?(fs|net|tls|child_process|os|http|https|http2|dgram|dns|sqlite|process|timers|worker_threads|cluster)(/|$)';
// Clients of the outside world: only adapters (and the CLI, sandbox, tests) use them.
const CLIENTS = '^(ioredis|@aws-sdk/|aws-cdk-lib|constructs|@middy/|@aws-lambda-powertools/)';

/**
 * @param {string[]} files
 * @param {{ regex: string, message: string }[]} patterns
 */
const restrict = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.redis-ha/', 'scratch/', 'dist/'] },
  eslint.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  restrict(
    ['functions/core/**'],
    [
      {
        regex: folders([
          'adapters',
          'control',
          'wiring',
          'handlers',
          'cli',
          'sandbox',
          'lib',
          'bin',
        ]),
        message: 'functions/core is the pure domain: it imports only functions/core.',
      },
      { regex: NODE_IO, message: 'functions/core is pure: no I/O, clock or process modules.' },
      { regex: CLIENTS, message: 'functions/core is pure: clients belong in functions/adapters.' },
    ],
  ),
  restrict(
    ['functions/control/**'],
    [
      {
        regex: folders(['adapters', 'wiring', 'handlers', 'cli', 'sandbox', 'lib', 'bin']),
        message:
          'functions/control uses ports, never a concrete adapter, the wiring, a handler or the CLI.',
      },
      {
        regex: NODE_IO,
        message: 'functions/control does no I/O of its own: it goes through the ports.',
      },
      { regex: CLIENTS, message: 'functions/control uses ports: clients belong in adapters.' },
    ],
  ),
  restrict(
    ['functions/adapters/**'],
    [
      {
        regex: folders(['control', 'wiring', 'handlers', 'cli', 'sandbox', 'lib', 'bin']),
        message: 'functions/adapters implement the ports of functions/core and import only core.',
      },
    ],
  ),
  restrict(
    ['functions/wiring/**'],
    [
      {
        regex: folders(['handlers', 'cli', 'sandbox', 'lib', 'bin']),
        message: 'functions/wiring composes core, control and adapters; callers import it.',
      },
    ],
  ),
  // The environment is read at the edge only (functions/wiring, the CLI, handlers), never by the
  // domain, the use cases or the adapters: they are handed what was read.
  {
    files: ['functions/core/**', 'functions/control/**', 'functions/adapters/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'Read the environment in functions/wiring, the CLI or a handler, and pass the value in.',
        },
      ],
    },
  },
  {
    files: ['functions/core/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'functions/core is pure: no process, environment or clock.' },
      ],
    },
  },
  restrict(
    ['lib/**'],
    [
      {
        regex: folders(['cli', 'sandbox', 'bench', 'test']),
        message:
          'lib/ is infrastructure only: point bundling at handler entry files by path, never import them.',
      },
      {
        // The one exception: the inventory schema, so that synth validates the inventory.
        regex: '^\\.{1,2}/(.*/)?functions(?!/core/inventory$)(/|$)',
        message:
          'lib/ is infrastructure only: it may import functions/core/inventory (synth-time validation) and nothing else of functions/.',
      },
      { regex: '^ioredis$', message: 'lib/ is infrastructure only.' },
    ],
  ),
  restrict(
    ['cli/**', 'sandbox/**'],
    [{ regex: folders(['lib']), message: 'lib/ is the CDK infrastructure, not runtime code.' }],
  ),
  restrict(
    ['bench/**', 'test/core/**'],
    [
      {
        regex: folders(['cli']),
        message: 'Benchmarks and core tests use functions/ and sandbox/, not the CLI.',
      },
    ],
  ),
);
