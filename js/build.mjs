// Bundles each widget's module into ../runway_nb/static/<name>.js: one self-contained ES module per
// widget, because anywidget loads `_esm` as a single file (a relative import could not resolve).
// Styles live in src/styles.ts (a string) and are injected once per page by shared.ts.
import * as esbuild from "esbuild";

const options = {
  entryPoints: ["task_view", "batch_view", "player", "form", "gallery", "host"].map((name) => `src/${name}.ts`),
  outdir: "../runway_nb/static",
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: !process.argv.includes("--watch"),
  legalComments: "none",
  logLevel: "info",
};

if (process.argv.includes("--watch")) {
  // With ANYWIDGET_HMR=1 in the kernel, anywidget reloads a widget when its bundle changes.
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
