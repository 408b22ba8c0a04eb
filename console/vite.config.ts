import { defineConfig } from 'vite';

/*
 * The console: built into dist/console by `npm run build`, served by Tokengate at /console/
 * (src/http/console.ts, which fills in __APP_NAME__ and __BASE__ in index.html). URLs are
 * relative to the page's <base>, so a proxy may serve Tokengate under a path prefix.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    // Nothing inlined: the CSP allows no inline script, and data: only for images.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
});
