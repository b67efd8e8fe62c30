// Builds the test pages as shops build theirs, from the scratch project where scripts/test-npm
// installed the packed package (`npm pack` → `npm install <tarball>`) — run there:
//   dist/vite/      pages/core, Vite production build
//   dist/webpack/   pages/core, webpack 5 production build
//   dist/strict/    pages/strict (React 19 in <StrictMode>), Vite, development build (StrictMode
//                   only double-mounts in development)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'vite';
import webpack from 'webpack';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
const quiet = { logLevel: 'warn' };

const started = Date.now();
await build({
  ...quiet,
  root: join(here, 'pages/core'),
  base: '/vite/',
  build: { outDir: join(dist, 'vite'), emptyOutDir: true },
});
const vite = Date.now();

await new Promise((resolve, reject) => {
  webpack(
    {
      mode: 'production',
      context: here,
      entry: './pages/core/main.js',
      output: { path: join(dist, 'webpack'), filename: 'main.js', publicPath: '/webpack/', clean: true },
      performance: { hints: false },
    },
    (error, stats) => {
      if (error) return reject(error);
      if (stats.hasErrors() || stats.hasWarnings()) {
        return reject(new Error(stats.toString({ all: false, errors: true, warnings: true })));
      }
      resolve();
    },
  );
});
writeFileSync(
  join(dist, 'webpack/index.html'),
  '<!doctype html><html lang="es"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>fintoc-wasm with webpack</title>' +
    '<script src="/webpack/main.js" defer></script></head>' +
    '<body data-state="loading"><button type="button" id="pay" disabled>Pagar con Fintoc</button></body></html>\n',
);
const webpackDone = Date.now();

await build({
  ...quiet,
  mode: 'development',
  // React's development build (Vite builds with NODE_ENV=production otherwise).
  define: { 'process.env.NODE_ENV': JSON.stringify('development') },
  root: join(here, 'pages/strict'),
  base: '/strict/',
  build: { outDir: join(dist, 'strict'), emptyOutDir: true, minify: false },
});
const strict = Date.now();

// The demo server serves STATIC_DIR's index.html for unknown paths: give it one.
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>npm package tests</title>\n');
console.log(
  `built the test pages: Vite ${vite - started} ms, webpack ${webpackDone - vite} ms, ` +
    `Vite (React, development) ${strict - webpackDone} ms`,
);
