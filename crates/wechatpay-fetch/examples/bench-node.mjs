// The adapter's benchmark under Node: whole sign, whole verify and a whole call of the loopback
// mock, each on WebCrypto and on the pure-Rust wasm path, beside WebCrypto alone on the same
// bytes; then the size of the Worker example's .wasm. `bench.sh` builds everything and runs
//
//   crates/wechatpay-fetch/tests/with-mock.sh \
//       node crates/wechatpay-fetch/examples/bench-node.mjs target/wasm-bench [--quick]
//
// where target/wasm-bench holds `wasm-bindgen --target nodejs` of the bench example (bench.js)
// and `wasm-bindgen --target web` of the Worker example (worker_bg.wasm), both release builds.
//
// Timing never fails the run: CI runs it with --quick on a shared machine, and tests assert
// behaviour, not speed. A wrong result does (an error, a signature that differs between the
// paths, an answer that does not verify, the wrong applyment), with a non-zero exit.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const dir = args.find((arg) => !arg.startsWith("--"));
if (!dir) throw new Error("usage: bench-node.mjs <wasm-bindgen out dir> [--quick]");
const pkg = path.resolve(dir);
const mock = process.env.WECHATPAY_MOCK_URL;
if (!mock) throw new Error("WECHATPAY_MOCK_URL is not set: run this through tests/with-mock.sh");
if (new URL(mock).hostname !== "127.0.0.1") throw new Error(`the mock must be on loopback, not ${mock}`);

// Rounds interleave every variant of an operation, so that a slower moment of a shared machine
// falls on all of them; each round runs a variant for about `roundMs`.
const { rounds, roundMs, warmupMs } = quick
  ? { rounds: 3, roundMs: 5, warmupMs: 20 }
  : { rounds: 21, roundMs: 100, warmupMs: 1000 };

const { Bench, Path } = createRequire(import.meta.url)(path.join(pkg, "bench.js"));
const { subtle } = globalThis.crypto;
const RSASSA = "RSASSA-PKCS1-v1_5";

const fail = (what) => {
  throw new Error(what);
};
const equal = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);

const bench = await Bench.start(mock);
const merchantKey = await subtle.importKey("pkcs8", bench.merchantKeyPkcs8(), { name: RSASSA, hash: "SHA-256" }, false, ["sign"]);
const platformKey = await subtle.importKey("spki", bench.platformKeySpki(), { name: RSASSA, hash: "SHA-256" }, false, ["verify"]);
const message = bench.requestMessage();
const [answerMessage, answerSignature] = bench.answerSignature();
const signedRequest = await bench.signedRequest();

// PKCS#1 v1.5 is deterministic: the three signers must agree byte for byte.
const alone = new Uint8Array(await subtle.sign(RSASSA, merchantKey, message));
const viaWebCrypto = await bench.signature(Path.WebCrypto, message);
const viaPureRust = await bench.signature(Path.PureRust, message);
if (!equal(alone, viaWebCrypto) || !equal(alone, viaPureRust)) {
  fail("the signatures differ between WebCrypto alone, the WebCrypto path and the pure-Rust path");
}

const signAlone = () => subtle.sign(RSASSA, merchantKey, message);
const verifyAlone = async () => {
  if (!(await subtle.verify(RSASSA, platformKey, answerSignature, answerMessage))) fail("WebCrypto alone: the answer does not verify");
};
// The floor of a call: the same request (signed once: the mock checks the clock, not nonces)
// sent with a plain fetch and read whole, one signature, and the answer's verification with
// its message put together here.
const callAlone = async () => {
  const answer = await fetch(signedRequest.url, { headers: signedRequest.headers, redirect: "manual" });
  const body = Buffer.from(await answer.arrayBuffer());
  await subtle.sign(RSASSA, merchantKey, message);
  const header = (name) => answer.headers.get(name) ?? fail(`the mock's answer has no ${name}`);
  const signed = Buffer.concat([
    Buffer.from(`${header("wechatpay-timestamp")}\n${header("wechatpay-nonce")}\n`),
    body,
    Buffer.from("\n"),
  ]);
  const signature = Buffer.from(header("wechatpay-signature"), "base64");
  if (answer.status !== 200 || !(await subtle.verify(RSASSA, platformKey, signature, signed))) {
    fail(`plain fetch: the mock answered ${answer.status}, or its signature does not verify`);
  }
};

const operations = [
  { name: "sign", alone: signAlone, whole: (p) => bench.sign(p) },
  { name: "verify", alone: verifyAlone, whole: (p) => bench.verify(p) },
  { name: "call", alone: callAlone, whole: (p) => bench.call(p) },
];

/** Runs `op` for `warmupMs` and returns how many runs make a round of about `roundMs`. */
async function calibrate(op) {
  let runs = 0;
  const start = performance.now();
  do {
    await op();
    runs += 1;
  } while (performance.now() - start < warmupMs || runs < 2);
  const each = (performance.now() - start) / runs;
  return Math.max(1, Math.round(roundMs / each));
}

/** The time of one `op`, in µs, over `runs` runs one after the other. */
async function timed(op, runs) {
  const start = performance.now();
  for (let i = 0; i < runs; i += 1) await op();
  return ((performance.now() - start) * 1000) / runs;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const results = {};
for (const { name, alone, whole } of operations) {
  const variants = { alone, webcrypto: () => whole(Path.WebCrypto), pureRust: () => whole(Path.PureRust) };
  const runs = {};
  for (const [variant, op] of Object.entries(variants)) runs[variant] = await calibrate(op);
  const samples = { alone: [], webcrypto: [], pureRust: [] };
  for (let round = 0; round < rounds; round += 1) {
    for (const [variant, op] of Object.entries(variants)) samples[variant].push(await timed(op, runs[variant]));
  }
  const ratio = (over, under) => median(samples[over].map((time, round) => time / samples[under][round]));
  results[name] = {
    alone: median(samples.alone),
    webcrypto: median(samples.webcrypto),
    pureRust: median(samples.pureRust),
    wholeOverAlone: ratio("webcrypto", "alone"),
    pureOverWhole: ratio("pureRust", "webcrypto"),
    runs,
  };
}

const worker = fs.readFileSync(path.join(pkg, "worker_bg.wasm"));
const gzipped = zlib.gzipSync(worker, { level: 9 }).length;
// Function names, which wasm-bindgen keeps and `wasm-opt` or `--remove-name-section` drop.
const names = WebAssembly.Module.customSections(new WebAssembly.Module(worker), "name")
  .reduce((sum, section) => sum + section.byteLength, 0);

const µs = (value) => `${value.toLocaleString("en-US", { maximumFractionDigits: value < 100 ? 1 : 0 })} µs`;
const times = (value) => `${value.toFixed(2)}×`;
const labels = {
  sign: ["sign (a signed request)", "`crypto.subtle.sign`"],
  verify: ["verify (1,746 B answer, decoded)", "`crypto.subtle.verify`"],
  call: ["call (loopback mock)", "plain `fetch` + sign + verify"],
};
console.log(
  `wechatpay-fetch under Node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} CPUs, ` +
    `${new Date().toISOString().slice(0, 10)}${quick ? " (--quick: too few runs for figures)" : ""}`,
);
console.log(`medians of ${rounds} rounds of about ${roundMs} ms each; ratios are medians of the per-round ratios\n`);
console.log("| operation | WebCrypto alone | whole, WebCrypto | whole, pure-Rust wasm | whole / alone | pure-Rust / whole |");
console.log("|---|---|---|---|---|---|");
for (const [name, result] of Object.entries(results)) {
  const [label, floor] = labels[name];
  console.log(
    `| ${label} | ${µs(result.alone)} (${floor}) | ${µs(result.webcrypto)} | ${µs(result.pureRust)} | ` +
      `${times(result.wholeOverAlone)} | ${times(result.pureOverWhole)} |`,
  );
}
const bytes = (count) => `${count.toLocaleString("en-US")} bytes`;
console.log(
  `\nthe Worker example's worker_bg.wasm (release, after wasm-bindgen --target web): ${bytes(worker.length)}, ` +
    `${bytes(gzipped)} gzipped (zlib level 9); its "name" section is ${bytes(names)}\n`,
);

const targets = [
  ["whole sign ≤ 1.3× WebCrypto's sign alone", results.sign.wholeOverAlone, (r) => r <= 1.3],
  ["whole verify ≤ 1.5× WebCrypto's verify alone", results.verify.wholeOverAlone, (r) => r <= 1.5],
  ["signing ≥ 20× faster than the pure-Rust wasm path", results.sign.pureOverWhole, (r) => r >= 20],
];
for (const [target, ratio, met] of targets) {
  const verdict = met(ratio) ? "met" : "missed";
  console.log(`target: ${target}: ${times(ratio)}, ${verdict}${quick ? " (--quick: not a measurement)" : ""}`);
}
