// app.js: the page of `llmroof serve` (docs/web.md). Reads the settings,
// asks this server for the analysis (/api/analyze), the generation
// (/api/generate), an op's formulas (/api/op) and, on demand, a serving
// simulation (/api/simulate), and draws the totals, the operation graph of
// one decoder layer, the roofline, the generation summary and the
// simulation's percentiles and KV use over time. Plain JavaScript and inline SVG: no library, nothing fetched
// from anywhere else.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const FIELDS = ["flops", "load_weight", "load_act", "store_act", "load_kv", "store_kv"];

const state = {
  analysis: null,   // the reply of /api/analyze (the CLI's JSON)
  generation: null, // the reply of /api/generate
  simulation: null, // the reply of /api/simulate
  stage: "prefill", // the stage the graph and the details show
  selected: null,   // path of the selected op
  devices: [],      // /api/hardware
  engines: [],      // /api/engines
  models: [],       // /api/models
  seq: 0,           // number of the latest refresh: older replies are dropped
  controller: null, // aborts the refresh in flight
};

const $ = (sel) => document.querySelector(sel);

// ---- numbers for people ----

// Decimal prefixes for FLOPs, binary for bytes (as the CLI's tables).
function human(v, binary, unit) {
  if (v === null || v === undefined || !isFinite(v)) return "–";
  const dec = ["", "K", "M", "G", "T", "P", "E"];
  const bin = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
  const base = binary ? 1024 : 1000;
  let i = 0;
  while (Math.abs(v) >= base && i < 6) {
    v /= base;
    i++;
  }
  return i === 0 ? `${Math.round(v)} ${unit}` : `${v.toFixed(2)} ${binary ? bin[i] : dec[i]}${unit}`;
}

function humanTime(s) {
  if (s === null || s === undefined || !isFinite(s)) return "–";
  if (s === 0) return "0 s";
  if (s >= 1) return `${s.toFixed(3)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(3)} ms`;
  if (s >= 1e-6) return `${(s * 1e6).toFixed(3)} µs`;
  return `${(s * 1e9).toFixed(1)} ns`;
}

function plain(v) {
  if (v === null || v === undefined || !isFinite(v)) return "–";
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return Number(v.toPrecision(6)).toString();
}

// ---- small DOM helpers ----

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

// A table cell carrying its exact value (data-value) for tests and copying.
function numCell(tag, key, value, text) {
  return el(tag, { "data-key": key, "data-value": String(value), title: String(value) }, text);
}

function debounce(fn, ms) {
  let t = null;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}

// ---- the settings ----

// The request's keys are the CLI's long options (docs/web.md).
function settings() {
  const s = {
    hardware: $("#hardware").value,
    profile: $("#profile").value,
    batch: $("#batch").value,
    "w-bit": $("#w-bit").value,
    "a-bit": $("#a-bit").value,
  };
  // empty: the engine preset's attention, the profile's default engine
  if ($("#attention").value) s.attention = $("#attention").value;
  if ($("#engine").value) s.engine = $("#engine").value;
  if ($("#kv-bit").value) s["kv-bit"] = $("#kv-bit").value;
  if ($("#source").value === "paste") {
    const text = $("#paste").value;
    if (/^\s*\{/.test(text)) s.config = text;
    else s.repr = text;
    const sets = $("#sets").value.split(/[,\s]+/).filter((x) => x);
    if (sets.length) s.set = sets;
  } else {
    s.model = $("#model").value;
  }
  return s;
}

// The settings live in the address (#batch=8&...): a reload or a shared
// link shows the same analysis. Not a pasted text: it may be long.
const SAVED = ["model", "hardware", "profile", "engine", "batch", "prompt-len", "gen-len",
  "w-bit", "a-bit", "kv-bit", "attention"];

function saveHash() {
  const p = new URLSearchParams();
  for (const id of SAVED) p.set(id, $("#" + id).value);
  p.set("stage", state.stage);
  history.replaceState(null, "", "#" + p.toString());
}

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const out = {};
  for (const [k, v] of p) out[k] = v;
  return out;
}

function setValue(id, v) {
  const e = $("#" + id);
  if (v === undefined || !e) return;
  if (e.tagName === "SELECT" && ![...e.options].some((o) => o.value === v)) return;
  e.value = v;
}

// ---- talking to the server ----

async function call(path, body, signal) {
  const r = await fetch(path, {
    method: body ? "POST" : "GET",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal,
  });
  let json = null;
  try {
    json = await r.json();
  } catch (e) {
    throw new Error(`${path}: HTTP ${r.status}, not JSON`);
  }
  if (!r.ok) throw new Error(json && json.error ? json.error : `${path}: HTTP ${r.status}`);
  return { json, notes: r.headers.get("X-Llmroof-Notes") };
}

function setStatus(kind, text) {
  document.body.dataset.state = kind;
  $("#status").textContent = text;
}

function showError(msg) {
  const e = $("#error");
  e.hidden = !msg;
  e.textContent = msg || "";
}

async function refresh() {
  const seq = ++state.seq;
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  saveHash();
  const base = settings();
  const prompt = $("#prompt-len").value;
  const analyze = Object.assign({}, base, { "seq-len": prompt });
  const generate = Object.assign({}, base, { "prompt-len": prompt, "gen-len": $("#gen-len").value });
  setStatus("loading", "computing");
  try {
    const [a, g] = await Promise.all([
      call("/api/analyze", analyze, controller.signal),
      call("/api/generate", generate, controller.signal),
    ]);
    if (seq !== state.seq) return;
    state.analysis = a.json;
    state.generation = g.json;
    showError(null);
    const notes = $("#notes");
    notes.hidden = !a.notes;
    notes.textContent = a.notes ? "Notes on the pasted text: " + a.notes : "";
    render();
    setStatus("ready", `${a.json.model.name} on ${a.json.hardware.full_name}`);
  } catch (e) {
    if (e.name === "AbortError" || seq !== state.seq) return;
    showError(e.message);
    setStatus("error", "error");
  }
}

const schedule = debounce(refresh, 250);

// ---- the lists: profiles, models, hardware ----

async function loadLists(keep) {
  const profile = $("#profile").value;
  const q = profile ? "?profile=" + encodeURIComponent(profile) : "";
  const [models, hw, eng] = await Promise.all([call("/api/models" + q), call("/api/hardware" + q),
    call("/api/engines" + q)]);
  state.models = models.json.models;
  state.devices = hw.json.hardware;
  state.engines = eng.json.engines;
  // the engines of the profile; "" is its default (the server resolves it)
  const esel = $("#engine");
  const wantEngine = keep.engine !== undefined ? keep.engine : esel.value;
  esel.replaceChildren(el("option", { value: "" }, `default (${eng.json.default})`),
    ...state.engines.map((e) => el("option", { value: e.name }, e.name)));
  esel.value = state.engines.some((e) => e.name === wantEngine) ? wantEngine : "";
  describeEngine(eng.json.default);
  const msel = $("#model");
  const wantModel = keep.model || msel.value || models.json.default;
  msel.replaceChildren(...state.models.map((m) =>
    el("option", { value: m.name, disabled: m.analysable ? null : "" },
      m.analysable ? m.name : `${m.name} (not analysable)`)));
  msel.value = wantModel;
  const hsel = $("#hardware");
  const wantHw = keep.hardware || hsel.value || hw.json.default;
  hsel.replaceChildren(...state.devices.map((d) => el("option", { value: d.id }, `${d.id}: ${d.name}`)));
  // the same device under the profile's own name (LLM-Viewer's ids are aliases)
  const dev = state.devices.find((d) => d.id === wantHw || d.aliases.includes(wantHw)) ||
    state.devices.find((d) => d.id === hw.json.default || d.aliases.includes(hw.json.default)) ||
    state.devices[0];
  if (dev) hsel.value = dev.id;
  describeModel();
  describeDevice();
}

// What the chosen engine sets: its attention, accumulation and memory plan.
function describeEngine(dflt) {
  const name = $("#engine").value || dflt || state.engineDefault;
  if (dflt) state.engineDefault = dflt;
  const e = (state.engines || []).find((x) => x.name === name);
  $("#engine-info").textContent = e ? `${e.name}: ${e.flash_attention ? "flash" : "eager"} attention` +
    (e.fp16_accumulate ? ", FP16 accumulation" : "") +
    (e.kv_block_size ? `, KV pages of ${e.kv_block_size} tokens` : "") +
    (e.mem_util ? `, ${Math.round(e.mem_util * 100)}% of memory` : "") +
    ". Expected times next to the roofline (the bound)." : "";
}

function describeModel() {
  const m = state.models.find((x) => x.name === $("#model").value);
  const info = $("#model-info");
  if ($("#source").value === "paste") {
    info.textContent = "Pasted text: a config.json (starts with {) or the text of print(model).";
  } else if (m && m.analysable) {
    info.textContent = `${m.family}, ${human(m.params, false, "")} parameters` +
      (m.context ? `, context ${m.context.toLocaleString("en-US")}` : "");
  } else {
    info.textContent = m ? m.error : "";
  }
}

function describeDevice() {
  const d = state.devices.find((x) => x.id === $("#hardware").value);
  if (!d) return;
  const p16 = d.peak.fp16 || d.peak.bf16;
  $("#hardware-info").textContent =
    `${d.memory_bytes ? human(d.memory_bytes, true, "B") : "capacity unknown"}, ` +
    `${human(d.bandwidth, false, "B/s")}` +
    (p16 ? `, ${human(p16, false, "FLOP/s")} at 16 bits` : "");
}

// ---- rendering ----

function render() {
  renderTotals();
  renderGeneration();
  renderGraph();
  renderOutside();
  renderDetails();
  renderRoofline();
}

function renderTotals() {
  const a = state.analysis;
  const head = el("tr", {}, ...["stage", "time", "expected", "FLOPs", "weights", "activations r+w",
    "KV cache r+w", "bytes", "FLOP/B", "compute-bound", "memory-bound"].map((h) => el("th", {}, h)));
  const rows = [el("thead", {}, head)];
  const body = el("tbody");
  for (const st of ["prefill", "decode"]) {
    if (!a[st]) continue;
    const t = a[st].total;
    const k = (f) => `${st}.total.${f}`;
    body.append(el("tr", { "data-stage": st },
      el("th", { scope: "row" }, st),
      numCell("td", k("time_s"), t.time_s, humanTime(t.time_s)),
      // the engine's expected time; the roofline's time is the bound
      numCell("td", k("expected_time_s"), t.expected_time_s, humanTime(t.expected_time_s)),
      numCell("td", k("flops"), t.flops, human(t.flops, false, "FLOP")),
      numCell("td", k("load_weight"), t.load_weight, human(t.load_weight, true, "B")),
      numCell("td", k("act"), t.load_act + t.store_act, human(t.load_act + t.store_act, true, "B")),
      numCell("td", k("kv"), t.load_kv + t.store_kv, human(t.load_kv + t.store_kv, true, "B")),
      numCell("td", k("bytes"), t.bytes, human(t.bytes, true, "B")),
      numCell("td", k("intensity"), t.intensity, t.intensity.toFixed(1)),
      numCell("td", k("compute_time_s"), t.compute_time_s, humanTime(t.compute_time_s)),
      numCell("td", k("memory_time_s"), t.memory_time_s, humanTime(t.memory_time_s))));
  }
  rows.push(body);
  $("#totals").replaceChildren(...rows);
  const m = a.memory;
  const fits = m.fits === null ? "capacity unknown" : m.fits ? "fits" : "DOES NOT FIT";
  $("#memory").replaceChildren(
    el("thead", {}, el("tr", {}, ...["memory", "weights", "KV cache", "activations", "total", "device", ""]
      .map((h) => el("th", {}, h)))),
    el("tbody", {}, el("tr", {},
      el("th", { scope: "row" }, "footprint"),
      numCell("td", "memory.weights", m.weights, human(m.weights, true, "B")),
      numCell("td", "memory.kv_cache", m.kv_cache, human(m.kv_cache, true, "B")),
      numCell("td", "memory.activations", m.activations, human(m.activations, true, "B")),
      numCell("td", "memory.total", m.total, human(m.total, true, "B")),
      numCell("td", "memory.device", m.device, m.device ? human(m.device, true, "B") : "–"),
      el("td", { "data-key": "memory.fits", class: m.fits === false ? "bad" : "" }, fits))));
}

function renderGeneration() {
  const g = state.generation;
  const items = [
    ["ttft_s", "time to first token", humanTime(g.ttft_s)],
    ["tpot_mean_s", "time per output token", `${humanTime(g.tpot_mean_s)} (first ${humanTime(g.tpot_first_s)}, last ${humanTime(g.tpot_last_s)})`],
    ["latency_s", "end-to-end latency", humanTime(g.latency_s)],
    ["output_tokens_per_s", "output tokens/s", plain(Math.round(g.output_tokens_per_s * 10) / 10)],
    ["total_tokens_per_s", "total tokens/s", plain(Math.round(g.total_tokens_per_s * 10) / 10)],
    ["expected_ttft_s", `expected with ${g.settings.engine}: time to first token`, humanTime(g.expected_ttft_s)],
    ["expected_tpot_mean_s", "expected time per output token", humanTime(g.expected_tpot_mean_s)],
    ["expected_latency_s", "expected end-to-end latency", humanTime(g.expected_latency_s)],
    ["expected_output_tokens_per_s", "expected output tokens/s", plain(Math.round(g.expected_output_tokens_per_s * 10) / 10)],
    ["prefill.flops", "prefill", `${human(g.prefill.flops, false, "FLOP")}, ${human(g.prefill.bytes, true, "B")} moved`],
    ["decode.flops", "decode (all steps)", `${human(g.decode.flops, false, "FLOP")}, ${human(g.decode.bytes, true, "B")} moved`],
    ["memory.total", "memory at the end",
      `${human(g.memory.total, true, "B")} = weights ${human(g.memory.weights, true, "B")} + KV ${human(g.memory.kv_cache, true, "B")} + activations ${human(g.memory.activations, true, "B")}` +
      (g.memory.fits === null ? "" : g.memory.fits ? ": fits" : ": DOES NOT FIT")],
  ];
  const value = (key) => key.split(".").reduce((o, k) => o[k], g);
  $("#generation").replaceChildren(...items.flatMap(([key, label, text]) =>
    [el("dt", {}, label), numCell("dd", "generation." + key, value(key), text)]));
}

// The ops of one decoder layer: the repeated block with the fewest
// repeats (the layers; experts repeat more), found by the common prefix
// of its ops' paths.
function layerOps(ops) {
  const repeated = ops.filter((o) => o.count > 1);
  if (!repeated.length) return { prefix: "", ops };
  const least = Math.min(...repeated.map((o) => o.count));
  const paths = repeated.filter((o) => o.count === least).map((o) => o.path.split("."));
  let n = paths[0].length - 1;
  for (const p of paths) {
    let i = 0;
    while (i < n && i < p.length - 1 && p[i] === paths[0][i]) i++;
    n = i;
  }
  const prefix = paths[0].slice(0, n).join(".");
  return { prefix, ops: ops.filter((o) => prefix === "" || o.path.startsWith(prefix + ".")) };
}

// Residual adds: the adds at the layer's own level (attn_add, mlp_add).
function residualAdds(prefix, ops) {
  const depth = prefix ? prefix.split(".").length + 1 : 1;
  const isAdd = (o) => /(^|_)(add|residual)(_|$)/.test(o.name);
  const top = ops.filter((o) => isAdd(o) && o.path.split(".").length === depth);
  return top.length ? top : ops.filter(isAdd);
}

function stageOps() {
  const a = state.analysis;
  const st = a[state.stage] ? state.stage : a.prefill ? "prefill" : "decode";
  return a[st] ? a[st].ops : [];
}

function renderGraph() {
  const { prefix, ops } = layerOps(stageOps());
  const W = 300, H = 30, PITCH = 44, X = 20, TOP = 10;
  const nodes = [{ io: true, name: prefix ? "layer input" : "input" }, ...ops,
    { io: true, name: prefix ? "layer output" : "output" }];
  const adds = residualAdds(prefix, ops);
  const width = X + W + 40 + 24 * Math.max(adds.length, 1);
  const height = TOP * 2 + PITCH * (nodes.length - 1) + H;
  const maxTime = Math.max(...ops.map((o) => o.time_s * o.count), 1e-30);
  const sumTime = ops.reduce((s, o) => s + o.time_s * o.count, 0);
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `operations of one decoder layer (${prefix || "model"}), ${state.stage}` });
  root.append(svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5,
    markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
  svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }))));
  const y = (i) => TOP + i * PITCH;
  // data flow: each op feeds the next
  for (let i = 0; i + 1 < nodes.length; i++) {
    root.append(svg("line", { class: "edge", x1: X + W / 2, y1: y(i) + H, x2: X + W / 2,
      y2: y(i + 1), "marker-end": "url(#arrow)" }));
  }
  // residual connections: the layer input (then each add's output) skips
  // ahead to the next add
  let from = 0;
  adds.forEach((add, k) => {
    const to = nodes.indexOf(add);
    const lane = X + W + 20 + 24 * k;
    root.append(svg("path", { class: "edge residual", "marker-end": "url(#arrow)",
      d: `M${X + W},${y(from) + H / 2} H${lane} V${y(to) + H / 2} H${X + W}` },
    svg("title", {}, `residual: ${nodes[from].name} → ${add.name}`)));
    from = to;
  });
  nodes.forEach((n, i) => root.append(graphNode(n, X, y(i), W, H, maxTime, sumTime)));
  $("#graph").replaceChildren(root);
  $("#graph-title").textContent = prefix ? `One decoder layer (${prefix}, ×${ops[0].count})` :
    "Operations";
}

function graphNode(n, x, y, w, h, maxTime, sumTime) {
  if (n.io) {
    return svg("g", { class: "node io" }, svg("rect", { class: "box", x, y, width: w, height: h, rx: 5 }),
      svg("text", { x: x + 10, y: y + h / 2 + 4 }, n.name));
  }
  const t = n.time_s * n.count;
  const g = svg("g", { class: `node ${n.bound}${n.path === state.selected ? " selected" : ""}`,
    "data-path": n.path, "data-bound": n.bound, tabindex: 0, role: "button",
    "aria-label": `${n.name}, ${n.bound}-bound, ${humanTime(n.time_s)} per layer` },
  svg("title", {}, `${n.path}\n${n.kind}, ${n.bound}-bound\n${human(n.flops, false, "FLOP")}, ${human(n.bytes, true, "B")}, ${humanTime(n.time_s)} (roofline), ${humanTime(n.expected_time_s)} expected`),
  svg("rect", { class: "box", x, y, width: w, height: h, rx: 5 }),
  svg("rect", { class: "bar", x: x + 2, y: y + h - 6, height: 4, width: Math.max(1, (w - 4) * t / maxTime) }),
  svg("text", { x: x + 10, y: y + h / 2 + 2 }, n.name),
  svg("text", { class: "time", x: x + w - 10, y: y + h / 2 + 2, "text-anchor": "end" },
    `${humanTime(n.time_s)} · ${(100 * t / sumTime).toFixed(1)}%`));
  g.addEventListener("click", () => select(n.path));
  g.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      select(n.path);
    }
  });
  return g;
}

// Embedding, final norm, head: the ops the layer graph does not show.
function renderOutside() {
  const all = stageOps();
  const { prefix } = layerOps(all);
  const rest = all.filter((o) => prefix && !o.path.startsWith(prefix + "."));
  $("#other-ops").hidden = !rest.length;
  $("#outside").replaceChildren(
    el("thead", {}, el("tr", {}, ...["op", "count", "FLOPs", "bytes", "bound", "time"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rest.map((o) => {
      const tr = el("tr", { "data-path": o.path, class: "clickable" },
        el("td", {}, o.path), el("td", {}, plain(o.count)), el("td", {}, human(o.flops, false, "FLOP")),
        el("td", {}, human(o.bytes, true, "B")), el("td", {}, o.bound), el("td", {}, humanTime(o.time_s)));
      tr.addEventListener("click", () => select(o.path));
      return tr;
    })));
}

function select(path) {
  state.selected = path;
  for (const g of document.querySelectorAll("#graph .node[data-path]")) {
    g.classList.toggle("selected", g.dataset.path === path);
  }
  renderDetails();
  renderRoofline();
}

// The selected op's numbers (from the analysis), then its formulas with the
// values put in (from /api/op).
function renderDetails() {
  const box = $("#details");
  const op = stageOps().find((o) => o.path === state.selected);
  if (!op) {
    box.removeAttribute("data-path");
    box.replaceChildren(el("p", { class: "info" }, "Click an operation of the graph."));
    return;
  }
  const rows = [
    ["count", op.count, plain(op.count)],
    ["flops", op.flops, human(op.flops, false, "FLOP")],
    ["load_weight", op.load_weight, human(op.load_weight, true, "B")],
    ["load_act", op.load_act, human(op.load_act, true, "B")],
    ["store_act", op.store_act, human(op.store_act, true, "B")],
    ["load_kv", op.load_kv, human(op.load_kv, true, "B")],
    ["store_kv", op.store_kv, human(op.store_kv, true, "B")],
    ["bytes", op.bytes, human(op.bytes, true, "B")],
    ["intensity", op.intensity, `${op.intensity.toFixed(2)} FLOP/B`],
    ["time_s", op.time_s, humanTime(op.time_s)],
    // the engine's expected time; the roofline's above is the bound
    ["expected_time_s", op.expected_time_s, humanTime(op.expected_time_s)],
  ];
  if (op.net_bytes) rows.splice(7, 0, ["net_bytes", op.net_bytes, human(op.net_bytes, true, "B")]);
  box.dataset.path = op.path;
  box.dataset.stage = state.stage;
  box.replaceChildren(
    el("h3", {}, op.path),
    el("p", { class: "info" }, `${op.kind} op of ${op.class}, one instance per ${state.stage}; `,
      el("strong", { "data-key": "bound", "data-value": op.bound }, `${op.bound}-bound`)),
    el("table", {}, el("tbody", {}, ...rows.map(([k, v, text]) =>
      el("tr", {}, el("th", { scope: "row" }, k), numCell("td", k, v, text))))),
    el("div", { id: "formulas" }, el("p", { class: "info" }, "formulas…")));
  loadFormulas(op.path);
}

async function loadFormulas(path) {
  const body = Object.assign(settings(), { "seq-len": $("#prompt-len").value, path });
  let reply;
  try {
    reply = (await call("/api/op", body)).json;
  } catch (e) {
    if ($("#details").dataset.path === path) $("#formulas").replaceChildren(el("p", { class: "info" }, e.message));
    return;
  }
  if ($("#details").dataset.path !== path || !$("#formulas")) return;
  const st = reply[state.stage];
  const parts = [el("p", { class: "info" }, `module ${reply.module} (${reply.class}), op ${reply.op}`)];
  for (const [field, raw] of Object.entries(reply.formulas)) {
    const f = st.formulas[field];
    parts.push(el("div", { class: "formula", "data-field": field },
      el("span", { class: "field" }, field),
      el("code", {}, raw),
      el("code", { class: "values" }, "= " + f.text),
      el("code", { "data-key": "formula." + field, "data-value": String(f.value) }, "= " + plain(f.value))));
  }
  const values = Object.entries(st.values);
  if (values.length) {
    parts.push(el("p", { class: "info" }, "values: " +
      values.map(([k, v]) => `${k} = ${plain(v)}`).join(", ")));
  }
  $("#formulas").replaceChildren(...parts);
}

// ---- the roofline ----

function renderRoofline() {
  const a = state.analysis;
  const peak = a.hardware.peak_flops, bw = a.hardware.memory_bandwidth;
  const W = 680, H = 400, L = 70, R = 20, T = 20, B = 50;
  const points = [];
  for (const st of ["prefill", "decode"]) {
    if (!a[st]) continue;
    for (const o of a[st].ops) {
      if (o.flops > 0 && o.time_s > 0 && o.intensity > 0) {
        points.push({ st, o, x: o.intensity, y: o.flops / o.time_s, cls: o.bound });
      }
    }
    const t = a[st].total;
    if (t.flops > 0 && t.time_s > 0) {
      points.push({ st, total: true, x: t.intensity, y: t.flops / t.time_s, cls: "total" });
    }
  }
  const ridge = peak / bw;
  const xs = points.map((p) => p.x).concat([ridge]);
  const ys = points.map((p) => p.y).concat([peak]);
  const x0 = Math.pow(10, Math.floor(Math.log10(Math.min(...xs)) - 0.2));
  const x1 = Math.pow(10, Math.ceil(Math.log10(Math.max(...xs)) + 0.2));
  const y0 = Math.pow(10, Math.floor(Math.log10(Math.max(Math.min(...ys), bw * x0))));
  const y1 = Math.pow(10, Math.ceil(Math.log10(peak * 1.5)));
  const px = (v) => L + (W - L - R) * (Math.log10(v) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0));
  const py = (v) => H - B - (H - T - B) * (Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0));
  const root = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": "roofline: attainable FLOP/s against arithmetic intensity" });
  for (let e = Math.log10(x0); e <= Math.log10(x1) + 1e-9; e++) {
    const x = px(Math.pow(10, e));
    root.append(svg("line", { class: "grid", x1: x, y1: T, x2: x, y2: H - B }),
      svg("text", { class: "tick", x, y: H - B + 16, "text-anchor": "middle" }, `1e${Math.round(e)}`));
  }
  for (let e = Math.log10(y0); e <= Math.log10(y1) + 1e-9; e++) {
    const y = py(Math.pow(10, e));
    root.append(svg("line", { class: "grid", x1: L, y1: y, x2: W - R, y2: y }),
      svg("text", { class: "tick", x: L - 6, y: y + 4, "text-anchor": "end" }, human(Math.pow(10, e), false, "")));
  }
  root.append(svg("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }),
    svg("line", { class: "axis", x1: L, y1: T, x2: L, y2: H - B }),
    svg("text", { class: "axis-title", x: (L + W - R) / 2, y: H - 12, "text-anchor": "middle" },
      "arithmetic intensity (FLOP/byte)"),
    svg("text", { class: "axis-title", x: 14, y: (T + H - B) / 2, "text-anchor": "middle",
      transform: `rotate(-90 14 ${(T + H - B) / 2})` }, "FLOP/s"));
  // the roof: bandwidth x intensity up to the ridge, then the peak
  const xa = Math.max(x0, y0 / bw);
  root.append(svg("path", { class: "roof", d: `M${px(xa)},${py(bw * xa)} L${px(ridge)},${py(peak)} L${px(x1)},${py(peak)}` },
    svg("title", {}, `peak ${human(peak, false, "FLOP/s")}, bandwidth ${human(bw, false, "B/s")}, ridge at ${ridge.toFixed(1)} FLOP/B`)),
  svg("line", { class: "ridge", x1: px(ridge), y1: py(peak), x2: px(ridge), y2: H - B }),
  svg("text", { class: "tick", x: px(ridge) + 4, y: py(peak) - 6 }, `ridge ${ridge.toFixed(0)} FLOP/B`));
  for (const p of points) root.append(rooflinePoint(p, px(p.x), py(p.y)));
  root.append(svg("text", { class: "tick", x: W - R, y: T + 12, "text-anchor": "end" },
    "○ prefill   □ decode   ◆ stage total"));
  $("#roofline").replaceChildren(root);
}

function rooflinePoint(p, x, y) {
  const label = p.total ? `${p.st} total` : `${p.o.path} (${p.st})`;
  const title = svg("title", {}, `${label}\n${p.x.toFixed(2)} FLOP/B, ${human(p.y, false, "FLOP/s")}`);
  const selected = !p.total && p.o.path === state.selected && p.st === state.stage;
  const cls = `point ${p.cls}${selected ? " selected" : ""}`;
  let shape;
  if (p.total) {
    shape = svg("path", { class: cls, d: `M${x},${y - 7} L${x + 7},${y} L${x},${y + 7} L${x - 7},${y} z` }, title);
  } else if (p.st === "prefill") {
    shape = svg("circle", { class: cls, cx: x, cy: y, r: 5 }, title);
  } else {
    shape = svg("rect", { class: cls, x: x - 4.5, y: y - 4.5, width: 9, height: 9 }, title);
  }
  if (!p.total) {
    shape.addEventListener("click", () => {
      setStage(p.st);
      select(p.o.path);
    });
  }
  return shape;
}

// ---- the simulation (on demand: it takes longer than an analysis) ----

async function runSimulation() {
  const body = settings();
  delete body.batch; // the batch forms from the requests
  body.rate = $("#sim-rate").value;
  body["num-requests"] = $("#sim-num").value;
  body.workload = $("#sim-workload").value;
  if ($("#sim-slo-ttft").value) body["slo-ttft"] = $("#sim-slo-ttft").value;
  if ($("#sim-slo-tpot").value) body["slo-tpot"] = $("#sim-slo-tpot").value;
  $("#sim-status").textContent = "simulating";
  $("#sim-run").disabled = true;
  try {
    const r = await call("/api/simulate", body);
    state.simulation = r.json;
    renderSimulation();
    $("#sim-status").textContent = `${r.json.requests} requests (${r.json.simulation.requests_from}) on ` +
      `${r.json.devices} device(s), engine ${r.json.engine}`;
  } catch (e) {
    $("#sim-status").textContent = "";
    showError(e.message);
  } finally {
    $("#sim-run").disabled = false;
  }
}

function renderSimulation() {
  const m = state.simulation;
  const rows = [["ttft_s", "time to first token"], ["tpot_s", "time per output token"],
    ["itl_s", "inter-token latency"], ["e2e_s", "end-to-end latency"], ["queue_s", "queueing delay"]];
  const cols = ["mean", "p50", "p90", "p99"];
  $("#sim-table").replaceChildren(
    el("thead", {}, el("tr", {}, el("th", {}, "latency"), ...cols.map((c) => el("th", {}, c)))),
    el("tbody", {}, ...rows.map(([k, label]) => el("tr", {}, el("th", { scope: "row" }, label),
      ...cols.map((c) => numCell("td", `sim.${k}.${c}`, m[k][c], humanTime(m[k][c])))))));
  const round = (v) => plain(Math.round(v * 100) / 100);
  const items = [
    ["requests_per_s", "throughput (requests/s)", round(m.requests_per_s)],
    ["output_tokens_per_s", "output tokens/s", round(m.output_tokens_per_s)],
    ["goodput_requests_per_s", "goodput (requests/s meeting the SLOs)",
      `${round(m.goodput_requests_per_s)} (${(m.slo_met * 100).toFixed(1)}%)`],
    ["preemptions", "preemptions", plain(m.preemptions)],
    ["mean_batch", "mean batch (sequences)", round(m.mean_batch)],
  ];
  $("#sim-summary").replaceChildren(...items.flatMap(([k, label, text]) =>
    [el("dt", {}, label), numCell("dd", "sim." + k, m[k], text)]));
  renderSimCdf(m.cdf);
  renderSimChart(m.kv_use);
}

// The latency CDFs of TTFT, TPOT and end-to-end latency (log time axis),
// from the reply's percentiles 1 to 100.
function renderSimCdf(cdf) {
  const W = 640, H = 240, L = 50, R = 120, T = 10, B = 34;
  const lines = [["ttft_s", "TTFT", "#4e79a7"], ["tpot_s", "TPOT", "#f28e2b"], ["e2e_s", "end-to-end", "#59a14f"]];
  const all = lines.flatMap(([k]) => cdf[k]).filter((v) => v > 0);
  if (!all.length) return $("#sim-cdf").replaceChildren();
  const lo = Math.floor(Math.log10(Math.min(...all))), hi = Math.ceil(Math.log10(Math.max(...all)));
  const span = Math.max(1, hi - lo);
  const x = (v) => L + (W - L - R) * (Math.log10(v) - lo) / span;
  const y = (p) => H - B - (H - B - T) * p;
  const kids = [svg("rect", { x: L, y: T, width: W - L - R, height: H - B - T, fill: "none", stroke: "#888" })];
  for (let e = lo; e <= lo + span; e++) {
    kids.push(svg("text", { x: x(10 ** e), y: H - B + 14, "font-size": 11, "text-anchor": "middle" },
      humanTime(10 ** e)));
  }
  kids.push(svg("text", { x: L - 4, y: T + 10, "font-size": 11, "text-anchor": "end" }, "1"),
    svg("text", { x: L - 4, y: H - B, "font-size": 11, "text-anchor": "end" }, "0"),
    svg("text", { x: (L + W - R) / 2, y: H - 4, "font-size": 11, "text-anchor": "middle" },
      "latency (log scale); height: share of requests"));
  lines.forEach(([k, name, colour], i) => {
    const v = cdf[k];
    const pts = v.filter((t) => t > 0).map((t, j) => `${x(t).toFixed(1)},${y((j + 1) / v.length).toFixed(1)}`);
    kids.push(svg("polyline", { points: pts.join(" "), fill: "none", stroke: colour, "stroke-width": 2,
      "data-key": "sim.cdf." + k }),
    // the legend: a swatch of the line's colour (the page's CSS sets text fills)
    svg("line", { x1: W - R + 8, y1: T + 10 + 16 * i, x2: W - R + 26, y2: T + 10 + 16 * i,
      stroke: colour, "stroke-width": 3 }),
    svg("text", { x: W - R + 32, y: T + 14 + 16 * i, "font-size": 12 }, name));
  });
  $("#sim-cdf").replaceChildren(svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": "latency CDFs" }, ...kids));
}

// The KV cache in use over time (instance 1), drawn from the reply.
function renderSimChart(u) {
  const W = 640, H = 220, L = 50, R = 10, T = 10, B = 30;
  const tmax = u.t_s.length ? u.t_s[u.t_s.length - 1] || 1 : 1;
  const ymax = Math.max(1e-9, ...u.share);
  const x = (t) => L + (W - L - R) * t / tmax;
  const y = (v) => H - B - (H - B - T) * v / ymax;
  const pts = u.t_s.map((t, i) => `${x(t).toFixed(1)},${y(u.share[i]).toFixed(1)}`).join(" ");
  $("#sim-chart").replaceChildren(svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": "KV cache in use over time" },
  svg("rect", { x: L, y: T, width: W - L - R, height: H - B - T, fill: "none", stroke: "#888" }),
  svg("polyline", { points: pts, fill: "none", stroke: "#1b9e77", "stroke-width": 1.5 }),
  svg("text", { x: L, y: H - 8, "font-size": 11 }, "0 s"),
  svg("text", { x: W - R, y: H - 8, "font-size": 11, "text-anchor": "end" }, humanTime(tmax)),
  svg("text", { x: L - 4, y: T + 10, "font-size": 11, "text-anchor": "end" },
    `${(ymax * 100).toFixed(ymax < 0.1 ? 1 : 0)}%`),
  svg("text", { x: (L + W - R) / 2, y: H - 8, "font-size": 11, "text-anchor": "middle" },
    "KV cache in use (share of blocks), instance 1, over time")));
}

function setStage(st) {
  if (state.stage === st) return;
  state.stage = st;
  for (const r of document.querySelectorAll('input[name="stage"]')) r.checked = r.value === st;
  saveHash();
  if (state.analysis) render();
}

// ---- start ----

function showSource() {
  const paste = $("#source").value === "paste";
  $("#paste-row").hidden = !paste;
  $("#model-row").hidden = paste;
  describeModel();
}

async function start() {
  const saved = readHash();
  try {
    const profiles = (await call("/api/profiles")).json;
    $("#profile").replaceChildren(...profiles.profiles.map((p) => el("option", { value: p }, p)));
    $("#profile").value = profiles.default;
    for (const id of SAVED) setValue(id, saved[id]);
    await loadLists(saved);
  } catch (e) {
    showError(e.message);
    setStatus("error", "error");
    return;
  }
  if (saved.stage === "decode") setStage("decode");
  showSource();
  const form = $("#settings");
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", (e) => e.preventDefault());
  $("#profile").addEventListener("change", () => loadLists({}).then(schedule, (e) => showError(e.message)));
  $("#model").addEventListener("change", describeModel);
  $("#hardware").addEventListener("change", describeDevice);
  $("#engine").addEventListener("change", () => describeEngine());
  $("#source").addEventListener("change", showSource);
  $("#sim-form").addEventListener("submit", (e) => {
    e.preventDefault();
    runSimulation();
  });
  for (const r of document.querySelectorAll('input[name="stage"]')) {
    r.addEventListener("change", () => setStage(r.value));
  }
  refresh();
}

start();
