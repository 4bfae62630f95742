// Lists the modules each given .wasm file imports from, and fails if any is `env`: what a C
// dependency or an unresolved host function leaves behind, and what no JavaScript runtime
// provides. Uses the WebAssembly API of Node itself.
const fs = require("node:fs");

let failed = false;
for (const file of process.argv.slice(2)) {
  const module = new WebAssembly.Module(fs.readFileSync(file));
  const imports = WebAssembly.Module.imports(module);
  const modules = [...new Set(imports.map((i) => i.module))];
  console.log(`${file}: ${imports.length} imports from ${modules.join(", ") || "nothing"}`);
  const fromEnv = imports.filter((i) => i.module === "env").map((i) => i.name);
  if (fromEnv.length > 0) {
    console.error(`  imports from env: ${fromEnv.join(", ")}`);
    failed = true;
  }
}
if (process.argv.length < 3) {
  console.error("usage: node .ci/wasm-imports.cjs FILE.wasm...");
  failed = true;
}
process.exit(failed ? 1 : 0);
