import { defineConfig } from "vitest/config";

// Production build: index.html at dist/, hashed assets under dist/assets/ (nginx caches
// /assets/ forever). No inline scripts: the CSP allows only 'self' and telegram.org.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: {
    host: "127.0.0.1",
    proxy: { "/api": "http://127.0.0.1:8080" },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
