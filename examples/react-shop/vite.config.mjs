// The demo server serves this shop at /react/ (scripts/build-react-shop builds it).
export default {
  base: '/react/',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true },
};
