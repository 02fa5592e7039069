import { defineConfig } from "vitest/config";

export default defineConfig({
  // The built bundles live outside js/ (in ../runway_nb/static): tests/bundle.test.ts loads them.
  server: { fs: { allow: [".."] } },
  test: { environment: "happy-dom", include: ["tests/**/*.test.ts"] },
});
