/**
 * The layering of the code (docs/ARCHITECTURE.md), checked by `npm run lint`:
 * - no import cycle;
 * - functions/ (the package's core) imports nothing above it: not the CLI, the construct, the sandbox, scripts, tests;
 * - the pure layers (contract, config, checks, verdict, alerting, render, snippets) do no I/O: they import neither
 *   probes/ nor handlers/ nor Node.js's own modules;
 * - the pure layers follow a run: each imports only the layers before it
 *   (contract → config → checks → verdict → alerting → render; snippets read only contract and config);
 * - the construct (infra/) does not import the CLI or the sandbox, which a user's CDK app must not load.
 */
const PURE = '(contract|config|checks|verdict|alerting|render|snippets)';
const after = {
  contract: '(config|checks|verdict|alerting|render|snippets)',
  config: '(checks|verdict|alerting|render|snippets)',
  checks: '(verdict|alerting|render|snippets)',
  verdict: '(alerting|render|snippets)',
  alerting: '(render|snippets)',
  render: '(snippets)',
  snippets: '(checks|verdict|alerting|render)',
};
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'functions-imports-nothing-above-it',
      comment:
        'functions/ is the core: the CLI, the construct and the sandbox build on it, never the reverse',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^(cli|infra|sandbox|scripts|bench|test)/' },
    },
    {
      name: 'pure-layers-do-no-io',
      comment:
        'all I/O is in functions/probes (and the handlers that wire it): the pure layers take its results',
      severity: 'error',
      from: { path: `^functions/${PURE}/` },
      to: { path: '^functions/(probes|handlers)/' },
    },
    {
      name: 'pure-layers-import-no-node-modules',
      severity: 'error',
      from: { path: `^functions/${PURE}/` },
      to: { dependencyTypes: ['core'] },
    },
    ...Object.entries(after).map(([layer, later]) => ({
      name: `${layer}-imports-only-earlier-layers`,
      comment: 'a run goes config → checks → verdict → alerting → render: a layer never imports a later one',
      severity: 'error',
      from: { path: `^functions/${layer}/` },
      to: { path: `^functions/${later}/` },
    })),
    {
      name: 'probes-are-not-handlers',
      severity: 'error',
      from: { path: '^functions/probes/' },
      to: { path: '^functions/handlers/' },
    },
    {
      name: 'construct-loads-no-cli-or-sandbox',
      comment: "a user's CDK app loads infra/: it must not pull in the CLI or the sandbox",
      severity: 'error',
      from: { path: '^infra/', pathNot: '^infra/app\\.ts$' },
      to: { path: '^(cli|sandbox)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|cdk\\.out)/' },
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
