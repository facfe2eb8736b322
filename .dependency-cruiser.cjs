/**
 * The rooms of src/ and their one-way doors (docs/architecture.md, "Rooms and doors").
 * `npm test` runs this check (`npm run lint:deps`); a new import against the grain fails the suite.
 * Type-only imports count: a type import still couples the two modules' designs.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'core-not-into-edges',
      comment:
        'protocol/, grants/ and storage/ are the core: they never reach into the management API (admin/) or the HTTP layer (http/). ' +
        'An error the core raises is a domain error (domain/); the edges translate it to a problem body or an OAuth error.',
      severity: 'error',
      from: { path: '^src/(protocol|grants|storage)/' },
      to: { path: '^src/(admin|http)/' },
    },
    {
      name: 'webhooks-not-into-runtime',
      comment:
        'webhooks/ is built by the runtime (src/runtime.ts) and is handed what it needs; importing the runtime back would make a circle of construction.',
      severity: 'error',
      from: { path: '^src/webhooks/' },
      to: { path: '^src/runtime\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles anywhere in src/ (type-only imports included): a cycle is two modules that can only be understood together.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'partner-and-verify-stand-alone',
      comment:
        'grantry/partner and grantry/verify are libraries for other people\'s servers: they load nothing of the Grantry server.',
      severity: 'error',
      from: { path: '^src/(partner|verify)/' },
      to: { path: '^src/', pathNot: '^src/(partner|verify)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
