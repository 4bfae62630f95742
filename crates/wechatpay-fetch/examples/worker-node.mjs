// Runs the README's Worker, exactly as written there, under Node against the mock platform,
// as CI does:
//
//   cargo build --target wasm32-unknown-unknown -p wechatpay-fetch --example worker
//   wasm-bindgen --target web --out-dir target/worker-example \
//       target/wasm32-unknown-unknown/debug/examples/worker.wasm
//   crates/wechatpay-fetch/tests/with-mock.sh \
//       node crates/wechatpay-fetch/examples/worker-node.mjs target/worker-example
//
// The one change: Workers import a .wasm file as a compiled module, which Node cannot, so that
// import line becomes a compilation of the same file.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const pkg = path.resolve(process.argv[2]);
const mock = process.env.WECHATPAY_MOCK_URL;
if (!mock) throw new Error("WECHATPAY_MOCK_URL is not set: run this through tests/with-mock.sh");

// Nothing may leave the machine: every fetch must go to the loopback mock.
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = new URL(input.url ?? input);
  if (url.hostname !== "127.0.0.1") throw new Error(`refusing to contact ${url.origin}`);
  return realFetch(input, init);
};

// The Worker must run on WebCrypto: a fallback to pure Rust announces itself with a warning.
const warnings = [];
const realWarn = console.warn;
console.warn = (...args) => {
  warnings.push(args.join(" "));
  realWarn(...args);
};

const here = path.dirname(fileURLToPath(import.meta.url));
const readme = fs.readFileSync(path.join(here, "../../../README.md"), "utf8");
const block = readme.match(/```js\n(\/\/ src\/index\.js\n[\s\S]*?)```/);
if (!block) throw new Error("the README has no ```js block starting with // src/index.js");
const wasmImport = 'import module from "../pkg/worker_bg.wasm";';
const glueImport = '"../pkg/worker.js"';
if (!block[1].includes(wasmImport) || !block[1].includes(glueImport)) {
  throw new Error("the README's Worker no longer imports ../pkg/worker.js and ../pkg/worker_bg.wasm");
}
const source = block[1]
  .replace(glueImport, JSON.stringify(pathToFileURL(path.join(pkg, "worker.js")).href))
  .replace(
    wasmImport,
    `import { readFileSync } from "node:fs";\n` +
      `const module = new WebAssembly.Module(readFileSync(${JSON.stringify(path.join(pkg, "worker_bg.wasm"))}));`,
  );
const entry = path.join(pkg, "index.mjs");
fs.writeFileSync(entry, source);
const worker = (await import(pathToFileURL(entry).href)).default;

const keys = path.join(here, "../../wechatpay-fixtures/keys");
const env = {
  MCHID: "1900000001",
  SERIAL_NO: "3775B6A45ACD588826D15E583A95F5DD20000001",
  MERCHANT_PRIVATE_KEY: fs.readFileSync(path.join(keys, "merchant_key.pem"), "utf8"),
  PUBLIC_KEY_ID: "PUB_KEY_ID_0119000000012024112300000000000001",
  PUBLIC_KEY: fs.readFileSync(path.join(keys, "platform_pub.pem"), "utf8"),
  WECHATPAY_BASE_URL: mock,
};
const ask = (query) => worker.fetch(new Request(`https://worker.example/${query}`), env);
const expect = (condition, what) => {
  if (!condition) throw new Error(`expected ${what}`);
};

const checking = await ask(`?out_request_no=${encodeURIComponent("商户申请/2024 #1?")}`);
const body = await checking.json();
console.log(checking.status, JSON.stringify(body));
expect(checking.status === 200, "200 for a seeded applyment");
expect(body.state === "CHECKING" && body.applyment_id === "9007199254740993", "CHECKING, id 2^53 + 1");

const missing = await ask("");
console.log(missing.status, await missing.text());
expect(missing.status === 400, "400 without out_request_no");

const unknown = await ask("?out_request_no=NO_SUCH_APPLYMENT");
const reason = await unknown.text();
console.log(unknown.status, reason);
expect(unknown.status === 502 && reason.includes("RESOURCE_NOT_EXISTS"), "502 naming RESOURCE_NOT_EXISTS");

expect(warnings.length === 0, `no fallback to pure Rust, but: ${warnings.join("; ")}`);
console.log("the README's Worker: ok");
