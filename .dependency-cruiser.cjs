// The direction of dependencies (docs/architecture.md): http → features → db, anything → lib.
// Features reach each other through services, never through another feature's repository.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-foreign-repository',
      comment: "A feature uses another feature's service, never its repository (only its own repositories touch its tables).",
      severity: 'error',
      from: { path: '^src/features/([^/]+)/' },
      to: { path: '^src/features/[^/]+/[^/]+\\.repository\\.ts$', pathNot: '^src/features/$1/' },
    },
    {
      name: 'repositories-only-from-features-and-composition',
      comment: 'Repositories are used by their own feature and wired in src/services.ts, nowhere else.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/features/', '^src/services\\.ts$'] },
      to: { path: '^src/features/[^/]+/[^/]+\\.repository\\.ts$' },
    },
    {
      name: 'lib-imports-no-feature',
      comment: 'src/lib holds helpers any layer may use; it knows nothing of features, HTTP, the database or config.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/(features|http|db|config|cli)/|^src/(app|services|main|runtime)\\.ts$' },
    },
    {
      name: 'features-not-http',
      comment: 'Features declare routes (src/lib/route.ts); the HTTP layer mounts them, not the other way round.',
      severity: 'error',
      from: { path: '^src/features/' },
      to: { path: '^src/(http|cli)/|^src/(app|services|main|runtime)\\.ts$' },
    },
    {
      name: 'db-imports-no-feature',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/(features|http|cli)/' },
    },
    {
      name: 'no-circular',
      comment: 'No cycles, between files or (through them) between features.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
