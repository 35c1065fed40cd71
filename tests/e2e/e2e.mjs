// e2e.mjs: the browser test of the page of `llmroof serve`, run by e2e.sh.
//   node e2e.mjs LLMROOF DATA_DIR OUT_DIR
// Starts the server on a free loopback port, drives Debian's headless
// Chromium through playwright-core, and checks the page against the CLI:
// the totals after a batch change equal `llmroof analyze --format json`,
// the numbers of a clicked graph node equal the CLI's op record, the
// formula values equal them too, a pasted config.json analyses like the
// file, and the page fetches nothing but from the server. Saves
// OUT_DIR/e2e-page.png. The server must then exit cleanly on SIGTERM.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [bin, dataDir, outDir] = process.argv.slice(2);
if (!bin || !dataDir || !outDir) {
  console.error("usage: node e2e.mjs LLMROOF DATA_DIR OUT_DIR");
  process.exit(2);
}

// ---- the server and the CLI ----

function startServer() {
  const proc = spawn(bin, ["serve", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start in 60 s")), 60000);
    proc.on("exit", (code) => reject(new Error(`server exited early with ${code}`)));
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+?)\/?\n/);
      if (m) {
        clearTimeout(timer);
        proc.removeAllListeners("exit");
        resolve({ proc, url: m[1] });
      }
    });
  });
}

function stopServer(proc) {
  return new Promise((resolve) => {
    proc.on("exit", (code, signal) => resolve({ code, signal }));
    proc.kill("SIGTERM");
  });
}

function cli(args) {
  const r = spawnSync(bin, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `llmroof ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// ---- reading the page ----

async function valueOf(page, sel) {
  const v = await page.$eval(sel, (e) => e.dataset.value);
  return Number(v);
}

async function waitValue(page, sel, want) {
  await page.waitForFunction(([s, w]) => {
    const e = document.querySelector(s);
    return e && Number(e.dataset.value) === w;
  }, [sel, want], { timeout: 30000 });
}

async function formSettings(page) {
  return page.evaluate(() => {
    const v = (id) => document.getElementById(id).value;
    return {
      model: v("model"), hardware: v("hardware"), profile: v("profile"), prompt: v("prompt-len"),
      gen: v("gen-len"), wbit: v("w-bit"), abit: v("a-bit"), attention: v("attention"),
      engine: v("engine"),
    };
  });
}

// "" (attention, engine): the engine preset's, the profile's default engine
function cliArgs(s, batch) {
  return ["--profile", s.profile, "--hardware", s.hardware, "--batch", String(batch), "--w-bit", s.wbit,
    "--a-bit", s.abit, ...(s.attention ? ["--attention", s.attention] : []),
    ...(s.engine ? ["--engine", s.engine] : []), "--format", "json"];
}

const TOTAL_FIELDS = ["time_s", "flops", "load_weight", "bytes", "intensity", "compute_time_s",
  "memory_time_s", "expected_time_s"];
const OP_FIELDS = ["count", "flops", "load_weight", "load_act", "store_act", "load_kv", "store_kv",
  "bytes", "intensity", "time_s", "expected_time_s"];

async function checkTotals(page, want, what) {
  for (const st of ["prefill", "decode"]) {
    for (const f of TOTAL_FIELDS) {
      assert.equal(await valueOf(page, `[data-key="${st}.total.${f}"]`), want[st].total[f],
        `${what}: ${st} total ${f}`);
    }
  }
  for (const f of ["weights", "kv_cache", "activations", "total"]) {
    assert.equal(await valueOf(page, `[data-key="memory.${f}"]`), want.memory[f], `${what}: memory ${f}`);
  }
}

async function checkOp(page, op, stage) {
  await page.waitForSelector(`#details[data-path="${op.path}"][data-stage="${stage}"]`);
  for (const f of OP_FIELDS) {
    assert.equal(await valueOf(page, `#details [data-key="${f}"]`), op[f], `${stage} ${op.path} ${f}`);
  }
  const bound = await page.$eval('#details [data-key="bound"]', (e) => e.dataset.value);
  assert.equal(bound, op.bound, `${stage} ${op.path} bound`);
  // the formula with the values put in evaluates to the op's own number
  await waitValue(page, '#details [data-key="formula.flops"]', op.flops);
  const text = await page.$eval('#details [data-field="flops"] code.values', (e) => e.textContent);
  assert.match(text, /^= [0-9]/, "flops formula with values");
}

// ---- the test ----

async function main() {
  const { proc, url } = await startServer();
  const origin = new URL(url).origin;
  const profileDir = mkdtempSync(join(tmpdir(), "llmroof-e2e-"));
  let context;
  const external = [], errors = [];
  try {
    // a fresh profile: playwright passes profileDir as --user-data-dir
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1400, height: 1000 },
    });
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(30000);
    page.on("request", (r) => {
      const u = r.url();
      if (!u.startsWith(origin + "/") && !u.startsWith("data:")) external.push(u);
    });
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));

    await page.goto(url + "/");
    await page.waitForSelector('[data-key="prefill.total.flops"]');
    const s = await formSettings(page);
    const args = (batch) => ["analyze", s.model, "--seq-len", s.prompt, ...cliArgs(s, batch)];

    // the first analysis, batch 1, equals the CLI's
    const one = cli(args(1));
    await waitValue(page, '[data-key="prefill.total.flops"]', one.prefill.total.flops);
    await checkTotals(page, one, "batch 1");

    // a new batch size: the totals follow, to the CLI's values
    const eight = cli(args(8));
    assert.notEqual(eight.prefill.total.flops, one.prefill.total.flops);
    await page.fill("#batch", "8");
    await waitValue(page, '[data-key="prefill.total.flops"]', eight.prefill.total.flops);
    await checkTotals(page, eight, "batch 8");
    const gen = cli(["generate", s.model, "--prompt-len", s.prompt, "--gen-len", s.gen,
      ...cliArgs(s, 8)]);
    await waitValue(page, '[data-key="generation.ttft_s"]', gen.ttft_s);
    assert.equal(await valueOf(page, '[data-key="generation.tpot_mean_s"]'), gen.tpot_mean_s);
    assert.equal(await valueOf(page, '[data-key="generation.latency_s"]'), gen.latency_s);
    assert.equal(await valueOf(page, '[data-key="generation.expected_latency_s"]'),
      gen.expected_latency_s);

    // a node of the layer graph: its numbers are the CLI's op record
    const op = eight.prefill.ops.find((o) => o.kind === "attention" && o.count > 1);
    assert.ok(op, "an attention op in a repeated layer");
    const nodes = await page.$$eval("#graph .node[data-path]", (ns) => ns.map((n) => n.dataset.path));
    assert.ok(nodes.includes(op.path), `graph shows ${op.path} (nodes: ${nodes.join(", ")})`);
    assert.ok(nodes.length >= 5, "the layer has its ops");
    await page.click(`#graph .node[data-path="${op.path}"]`);
    await checkOp(page, op, "prefill");

    // the same op in decode
    await page.check('input[name="stage"][value="decode"]');
    await checkOp(page, eight.decode.ops.find((o) => o.path === op.path), "decode");

    // the engine list comes from /api/engines; the page starts on the
    // profile's default (vllm: flash attention), as the CLI without --engine
    const engines = await page.$$eval("#engine option", (os) => os.map((o) => o.value));
    assert.deepEqual(engines, ["", "ideal", "llama.cpp", "lmdeploy", "pytorch", "sglang", "trtllm",
      "vllm"], "engine options");
    assert.equal(s.engine, "", "the default engine");
    assert.equal(eight.settings.attention, "flash", "vllm counts flash attention");
    // llama.cpp: eager attention and its own expected times, as the CLI's
    await page.selectOption("#engine", "llama.cpp");
    const lc = cli(args(8).concat(["--engine", "llama.cpp"]));
    assert.equal(lc.settings.attention, "eager");
    assert.notEqual(lc.prefill.total.expected_time_s, eight.prefill.total.expected_time_s);
    await waitValue(page, '[data-key="prefill.total.flops"]', lc.prefill.total.flops);
    await checkTotals(page, lc, "engine llama.cpp");
    assert.match(await page.textContent("#engine-info"), /llama\.cpp: eager attention, FP16 accumulation/);
    await page.selectOption("#engine", "");
    await waitValue(page, '[data-key="prefill.total.flops"]', eight.prefill.total.flops);
    // a simulation from the page equals `llmroof simulate --format json`
    // for the same settings and seed (0): its percentiles and throughput
    const sim = cli(["simulate", s.model, "--profile", s.profile, "--hardware", s.hardware,
      "--w-bit", s.wbit, "--a-bit", s.abit, ...(s.attention ? ["--attention", s.attention] : []), "--num-requests", "100",
      "--rate", "5", "--workload", "summarization", "--slo-ttft", "1s", "--format", "json"]);
    await page.fill("#sim-num", "100");
    await page.fill("#sim-rate", "5");
    await page.selectOption("#sim-workload", "summarization");
    await page.fill("#sim-slo-ttft", "1");
    await page.click("#sim-run");
    await waitValue(page, '[data-key="sim.ttft_s.p99"]', sim.ttft_s.p99);
    for (const k of ["ttft_s", "tpot_s", "itl_s", "e2e_s"]) {
      for (const c of ["mean", "p50", "p90", "p99"]) {
        assert.equal(await valueOf(page, `[data-key="sim.${k}.${c}"]`), sim[k][c], `simulation ${k} ${c}`);
      }
    }
    assert.equal(await valueOf(page, '[data-key="sim.goodput_requests_per_s"]'), sim.goodput_requests_per_s);
    assert.ok(await page.$("#sim-chart svg polyline"), "the KV-use chart is drawn");
    // the CDFs: one line per latency, a point per percentile (1 to 100)
    for (const k of ["ttft_s", "tpot_s", "e2e_s"]) {
      const pts = await page.$eval(`#sim-cdf polyline[data-key="sim.cdf.${k}"]`,
        (e) => e.getAttribute("points").trim().split(/\s+/).length);
      assert.equal(pts, sim.cdf[k].filter((v) => v > 0).length, `CDF points of ${k}`);
      assert.equal(pts, 100, `CDF of ${k}: 100 percentiles`);
    }
    await page.screenshot({ path: join(outDir, "e2e-page.png"), fullPage: true });

    // a pasted config.json analyses as the file does
    const cfgPath = join(dataDir, "models", "meta-llama--Llama-3.2-1B.json");
    const pasted = cli(["analyze", cfgPath, "--seq-len", s.prompt, ...cliArgs(s, 8)]);
    await page.selectOption("#source", "paste");
    await page.fill("#paste", readFileSync(cfgPath, "utf8"));
    await waitValue(page, '[data-key="prefill.total.flops"]', pasted.prefill.total.flops);
    await checkTotals(page, pasted, "pasted config.json");

    // a bad setting shows the server's message, and recovers
    await page.fill("#batch", "0");
    await page.waitForSelector("#error:not([hidden])");
    const msg = await page.textContent("#error");
    assert.match(msg, /batch/, "the error names the setting");
    await page.fill("#batch", "8");
    await page.waitForSelector("#error", { state: "hidden" });
    const consoleErrors = errors.filter((e) => !/status of 400/.test(e));
    assert.deepEqual(consoleErrors, [], "no console errors");
    assert.deepEqual(external, [], "no request leaves the server");
  } finally {
    if (context) await context.close();
    rmSync(profileDir, { recursive: true, force: true });
    const { code, signal } = await stopServer(proc);
    assert.equal(signal, null, `server killed by ${signal}`);
    assert.equal(code, 0, "server exit status on SIGTERM (a leak report makes it non-zero)");
  }
  console.log(`e2e: ok (screenshot ${join(outDir, "e2e-page.png")})`);
}

main().catch((e) => {
  console.error("e2e: FAIL:", e.stack || e);
  process.exit(1);
});
