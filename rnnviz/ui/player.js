// rnnviz trace player: one layer of a trace (rnnviz/player.py's payload) stepped in the browser.
// Streamlit Custom Components v2 calls the default export on mount and again whenever `data`
// changes; the DOM is built once and kept (state lives on the root element), so a new sentence,
// layer or language only swaps the data. Nothing here talks to the server: a step, Play, a unit
// or a click is drawn here, and step/unit reach the address bar through history.replaceState.

const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"];
const KEPT = "#0072B2";
const WRITTEN = "#E69F00";
const CURSOR = "#ff7f0e";
const SPEEDS = [0.5, 1, 2, 4, 8, 12, 20];

function el(tag, attrs = {}, parent = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "html") node.innerHTML = v;
    else node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}

function svg(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

// "c<sub>t-1</sub>" as SVG tspans (SVG text has no <sub>).
function richText(node, html) {
  node.textContent = "";
  const parts = String(html).split(/(<sub>.*?<\/sub>|<b>.*?<\/b>|<br>)/);
  let shifted = false;
  for (const part of parts) {
    if (!part) continue;
    const sub = part.match(/^<sub>(.*)<\/sub>$/);
    const bold = part.match(/^<b>(.*)<\/b>$/);
    const t = svg("tspan", {}, node);
    if (sub) {
      t.textContent = sub[1];
      t.setAttribute("dy", "0.25em");
      t.setAttribute("font-size", "72%");
      shifted = true;
    } else {
      t.textContent = bold ? bold[1] : part;
      if (bold) t.setAttribute("font-weight", "bold");
      if (shifted) {
        t.setAttribute("dy", "-0.25em");
        shifted = false;
      }
    }
  }
  if (shifted) {
    const back = svg("tspan", { dy: "-0.25em" }, node);
    back.textContent = "\u200b";
  }
}

function format(template, fields) {
  return String(template).replace(/\{(\w+)\}/g, (m, k) => (k in fields ? String(fields[k]) : m));
}

function decode(b64) {
  const raw = atob(b64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

// A packed message (rnnviz/player.py pack): "RNV1", uint32 LE header length, the JSON header,
// then the float32 values, each referenced in the header as {o: byte offset, n: count}.
function unpack(message) {
  if (!(message instanceof Uint8Array)) return message; // plain JSON data
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const size = view.getUint32(4, true);
  const data = JSON.parse(new TextDecoder().decode(message.subarray(8, 8 + size)));
  const floats = message.slice(8 + size); // a copy: its own buffer, so 4-byte aligned
  for (const fields of Object.values(data.payload.values)) {
    for (const [k, ref] of Object.entries(fields)) {
      fields[k] = new Float32Array(floats.buffer, ref.o, ref.n);
    }
  }
  return data;
}

function num(v) {
  return v === null || v === undefined || Number.isNaN(v) ? "–" : v.toFixed(2);
}

function parseColour(c) {
  if (c.startsWith("#")) {
    const h = c.length === 4 ? c.replace(/#(.)(.)(.)/, "#$1$1$2$2$3$3") : c;
    return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  }
  return c.slice(c.indexOf("(") + 1, -1).split(",").map((x) => parseFloat(x));
}

// A fixed colour range per quantity (the registry's): value -> [fill, readable text colour].
function makeScale(spec) {
  const stops = spec.stops.map(([f, c]) => [f, parseColour(c)]);
  return (value) => {
    let f = (value - spec.zmin) / (spec.zmax - spec.zmin);
    f = Math.min(1, Math.max(0, Number.isFinite(f) ? f : 0.5));
    let k = 1;
    while (k < stops.length - 1 && stops[k][0] < f) k++;
    const [f0, c0] = stops[k - 1];
    const [f1, c1] = stops[k];
    const a = f1 > f0 ? (f - f0) / (f1 - f0) : 0;
    const rgb = c0.map((x, i) => Math.round(x + a * (c1[i] - x)));
    const light = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140;
    return [`rgb(${rgb.join(",")})`, light ? "#111" : "#fff"];
  };
}

class Player {
  constructor(parent) {
    this.root = el("div", {
      class: "rp",
      "data-testid": "rnnviz-player",
      tabindex: "0",
      role: "group",
      "data-step": "0",
      "data-unit": "0",
      "data-layer": "0",
      "data-play": "off",
    }, parent);
    this.root.__player = this;
    this.step = 0;
    this.unit = 0;
    this.play = 0; // +1 forward, -1 backward, 0 stopped
    this.timer = null;
    this.urlTimer = null;
    this.lastUrl = 0;
    this.speed = 2;
    this.reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (this.reduced) this.speed = 1;
    this.build();
    this.root.addEventListener("keydown", (e) => this.onKey(e));
    this.sizes = new Map(); // canvas -> width in CSS pixels, read only when something resizes
    this.em = 14;
    this.resize = new ResizeObserver(() => {
      this.measure();
      if (this.data) this.drawTicks();
      this.drawCanvases();
    });
    this.resize.observe(this.root);
    this.timelines = [];
    this.hooked = new Set(); // Plotly heatmaps whose clicks and hover this player reads
    this.onGroup = (e) => this.follow(e.detail);
    window.addEventListener("rnnviz-step", this.onGroup);
  }

  // --- the DOM, built once ---
  build() {
    const r = this.root;
    const bar = el("div", { class: "rp-bar" }, r);
    this.bPrev = el("button", { type: "button", "data-act": "prev" }, bar);
    this.bNext = el("button", { type: "button", "data-act": "next" }, bar);
    this.bBack = el("button", { type: "button", "data-act": "play-backward" }, bar);
    this.bPlay = el("button", { type: "button", "data-act": "play-forward" }, bar);
    this.slider = el("input", { type: "range", min: "0", max: "0", value: "0", class: "rp-slider" }, bar);
    this.stepLabel = el("span", { class: "rp-steplabel" }, bar);
    const unitBox = el("label", { class: "rp-unitbox" }, bar);
    this.unitLabel = el("span", {}, unitBox);
    this.unitInput = el("input", { type: "number", min: "0", value: "0", step: "1", class: "rp-unit" }, unitBox);
    const speedBox = el("label", { class: "rp-speedbox" }, bar);
    this.speedLabel = el("span", {}, speedBox);
    this.speedSelect = el("select", { class: "rp-speed" }, speedBox);
    for (const s of SPEEDS) el("option", { value: String(s), text: `${s}/s` }, this.speedSelect);
    this.speedSelect.value = String(this.speed);
    this.reading = el("div", { class: "rp-reading" }, r);
    this.sentence = el("div", { class: "rp-sentence" }, r);
    this.dirs = el("div", { class: "rp-dirs" }, r);
    this.keysHint = el("div", { class: "rp-keys" }, r);
    this.live = el("div", { class: "rp-live", "aria-live": "polite", role: "status" }, r);
    this.tip = el("div", { class: "rp-tip", hidden: "" }, r);

    this.bPrev.addEventListener("click", () => this.go(this.step - 1));
    this.bNext.addEventListener("click", () => this.go(this.step + 1));
    this.bPlay.addEventListener("click", () => this.toggle(+1));
    this.bBack.addEventListener("click", () => this.toggle(-1));
    this.slider.addEventListener("input", () => this.go(parseInt(this.slider.value, 10)));
    for (const ev of ["input", "change"]) {
      this.unitInput.addEventListener(ev, () => this.pick(parseInt(this.unitInput.value, 10)));
    }
    this.speedSelect.addEventListener("change", () => {
      this.speed = parseFloat(this.speedSelect.value);
      if (this.play) this.schedule();
    });
    this.sentence.addEventListener("click", (e) => {
      const tok = e.target.closest(".tok");
      if (!tok) return;
      const k = [...this.sentence.querySelectorAll(".tok")].indexOf(tok);
      if (k >= 0) this.go(k);
    });
  }

  // --- data: a new sentence, layer or language ---
  load(data) {
    const before = this.data;
    const sameSentence = before && before.sentence_id === data.sentence_id;
    const samePayload = before && before.payload_id === data.payload_id;
    this.data = data;
    this.S = data.strings;
    this.T = data.payload.length;
    this.H = data.payload.hidden;
    const p = data.payload;
    if (!samePayload || !this.values) {
      this.values = {};
      for (const d of p.directions) {
        this.values[d] = {};
        for (const [k, v] of Object.entries(p.values[d])) {
          this.values[d][k] = typeof v === "string" ? decode(v) : v;
        }
      }
      this.scales = {};
      this.luts = {};
      for (const [name, spec] of Object.entries(p.scales)) {
        const scale = makeScale(spec);
        this.scales[name] = scale;
        const lut = new Uint8Array(256 * 3);
        for (let k = 0; k < 256; k++) {
          const rgb = parseColour(scale(spec.zmin + ((spec.zmax - spec.zmin) * k) / 255)[0]);
          lut.set(rgb, 3 * k);
        }
        lut.range = [spec.zmin, spec.zmax - spec.zmin];
        this.luts[name] = lut;
      }
      this.splitRange = {};
      for (const d of p.directions) {
        const v = this.values[d];
        let m = 0;
        for (const k of ["kept", "written", p.updated]) for (const x of v[k] || []) m = Math.max(m, Math.abs(x));
        this.splitRange[d] = m || 1;
      }
    }
    // A rerun for the same sentence (layer, language, projector) keeps what is on screen;
    // a new sentence or model opens where Python says (the link's step and unit, or 0).
    if (!sameSentence) {
      this.stop(false);
      this.step = data.step;
      this.unit = data.unit;
    } else if (before.seek !== data.seek) {
      this.unit = data.unit; // Python asked for a unit (the story unit's button)
    }
    this.step = Math.max(0, Math.min(this.T - 1, this.step));
    this.unit = Math.max(0, Math.min(this.H - 1, this.unit));
    this.mode = data.mode || "step";
    this.root.classList.toggle("projector", !!data.projector);
    this.root.classList.toggle("rp-follow", data.controls === false);
    this.root.setAttribute("data-mode", this.mode);
    if (!sameSentence && data.play_direction === "backward") this.lastPlay = -1;
    this.root.setAttribute("data-layer", String(p.layer));
    this.root.setAttribute("lang", data.lang === "zh" ? "zh" : "en");
    this.root.setAttribute("aria-label", this.S.player_label);
    this.label();
    this.sentence.innerHTML = data.sentence_html;
    this.buildPanels();
    this.measure();
    this.drawUnit();
    this.draw();
    this.hookHeatmaps();
    clearInterval(this.hookTimer);
    // Streamlit draws the page's Plotly heatmaps after (or without) this element: look again
    if (data.heatmaps) this.hookTimer = setInterval(() => this.hookHeatmaps(), 500);
  }

  label() {
    const S = this.S;
    this.bPrev.textContent = S.prev;
    this.bNext.textContent = S.next;
    this.bPlay.textContent = this.play > 0 ? S.pause : S.play;
    this.bBack.textContent = this.play < 0 ? S.pause : S.play_back;
    this.bPrev.title = S.key_prev;
    this.bNext.title = S.key_next;
    this.bPlay.title = S.key_play;
    this.bBack.title = S.key_play;
    this.unitLabel.textContent = S.unit;
    this.speedLabel.textContent = S.speed;
    this.keysHint.textContent = S.keys;
    this.slider.max = String(this.T - 1);
    this.slider.setAttribute("aria-label", S.step);
    this.unitInput.max = String(this.H - 1);
  }

  buildPanels() {
    const p = this.data.payload;
    const S = this.S;
    this.dirs.textContent = "";
    this.dirs.classList.toggle("single", p.directions.length === 1 || this.mode !== "step");
    this.panels = {};
    this.timelines = [];
    if (this.mode !== "step") {
      this.buildView();
      return;
    }
    for (const d of p.directions) {
      const text = p.text[d];
      const panel = el("section", { class: "rp-dir", "data-direction": d }, this.dirs);
      const head = el("div", { class: "rp-head" }, panel);
      const title = el("span", { class: "rp-title" }, head);
      const grid = el("div", { class: "rp-grid" }, panel);
      const diagram = this.buildDiagram(grid, d);
      const eqs = el("div", { class: "rp-eqs" }, grid);
      const eqRows = p.equations.map((eq, k) => {
        const row = el("div", { class: "rp-eq", "data-eq": eq.name }, eqs);
        el("div", { class: "rp-sym", html: text.symbolic[k] }, row);
        return el("div", { class: "rp-num" }, row);
      });
      const timeline = this.buildTimeline(grid, d);
      timeline.direction = d;
      timeline.series = p.names.map((name, k) => ({ d, name, colour: PALETTE[k % PALETTE.length], state: p.scales[name].state }));
      this.timelines.push(timeline);
      const stripsBox = el("div", { class: "rp-box rp-stripsbox" }, grid);
      el("div", { class: "rp-cap", text: S.all_units }, stripsBox);
      const strips = el("canvas", { class: "rp-strips", "data-direction": d }, stripsBox);
      const splitBox = el("div", { class: "rp-box rp-splitbox" }, grid);
      const splitCap = el("div", { class: "rp-cap" }, splitBox);
      splitCap.innerHTML = `${S.kept_written}: <span class="rp-sw" style="background:${KEPT}"></span>${S.kept} ${text.kept_label} <span class="rp-sw" style="background:${WRITTEN}"></span>${S.written} ${text.written_label} ◆ ${p.updated}<sub>t</sub> · ${S.split_note}`;
      const split = el("canvas", { class: "rp-split", "data-direction": d }, splitBox);
      for (const c of [strips, split]) {
        c.addEventListener("click", (e) => {
          const u = this.unitAt(c, e);
          if (u !== null) this.pick(u);
        });
        c.addEventListener("mousemove", (e) => this.hover(c, e, d));
        c.addEventListener("mouseleave", () => (this.tip.hidden = true));
      }
      this.panels[d] = { panel, title, diagram, eqRows, timeline, strips, split };
    }
  }

  // Heatmaps ("unit"): the selected unit's lines over the sentence, both directions, and what
  // the pointer is over; Compare ("compare"): one model's best unit in one direction.
  buildView() {
    const p = this.data.payload;
    const view = this.data.view || {};
    const box = el("section", { class: "rp-view", "data-view": this.mode }, this.dirs);
    this.selected = el("div", { class: "rp-selected" }, box);
    const timeline = this.buildTimeline(box, view.direction || "");
    timeline.box.classList.add("rp-big");
    const dash = { forward: "", backward: "6 4" };
    if (this.mode === "unit") {
      const lines = (view.lines || p.names).filter((q) => q in p.widths);
      timeline.series = [];
      lines.forEach((name, k) => {
        for (const d of p.directions) {
          timeline.series.push({ d, name, colour: PALETTE[k % PALETTE.length], state: p.scales[name].state, dash: dash[d], label: `${name} ${this.S[d]}` });
        }
      });
    } else {
      const d = view.direction || p.directions[0];
      timeline.direction = d;
      timeline.series = p.names.map((name, k) => ({ d, name, colour: PALETTE[k % PALETTE.length], state: p.scales[name].state }));
    }
    this.timelines.push(timeline);
    this.readout = el("div", { class: "rp-readout", "aria-hidden": "true" }, box);
  }

  drawView() {
    const p = this.data.payload;
    const S = this.S;
    const view = this.data.view || {};
    const t = this.step;
    const u = this.unit;
    const tok = p.tokens[t];
    if (this.mode === "unit") {
      this.selected.innerHTML = "";
      el("b", { text: `${S.selected_unit}${S.colon}${u}` }, this.selected);
      this.selected.appendChild(document.createTextNode(` · ${tok} (${t})`));
    } else {
      const d = view.direction || p.directions[0];
      this.selected.textContent = `${S[d]} · ${S.unit} ${u} · ${t}${S.colon}${tok}`;
    }
    if (!this.hovering) this.fillReadout(view.direction || p.directions[0], view.quantity, t, u);
  }

  // "token · position t · unit u — q v · …" from the payload (the trace's float32 values); each
  // number is a span with data-d / data-q (what the tests compare with the trace)
  fillReadout(d, quantity, t, u, value) {
    const p = this.data.payload;
    const S = this.S;
    const node = this.readout;
    node.textContent = `${p.tokens[t]} · ${S.position} ${t} · ${S.unit} ${u} — `;
    node.setAttribute("data-step", String(t));
    node.setAttribute("data-unit", String(u));
    if (quantity && !(quantity in p.widths) && value !== undefined) {
      node.appendChild(document.createTextNode(`${quantity} = `));
      el("b", { text: num(value), "data-q": quantity }, node);
      node.appendChild(document.createTextNode("  "));
    }
    const dirs = this.mode === "unit" ? p.directions : [d];
    for (const dd of dirs) {
      const part = el("span", { class: "rp-part", "data-d": dd }, node);
      if (dirs.length > 1) part.appendChild(document.createTextNode(dd === "forward" ? "→ " : "← "));
      p.names.filter((n) => u < p.widths[n]).forEach((n, k) => {
        part.appendChild(document.createTextNode(`${k ? " · " : ""}${n} `));
        el("span", { text: num(this.value(dd, n, t, u)), "data-d": dd, "data-q": n }, part);
      });
      part.appendChild(document.createTextNode("   "));
    }
  }

  buildDiagram(parent, d) {
    const p = this.data.payload;
    const g = p.diagram;
    const text = p.text[d];
    const K = 100; // the registry's 10 x 5 canvas in hundredths (SVG text dislikes tiny units)
    const box = el("div", { class: "rp-diagram" }, parent);
    const s = svg("svg", { viewBox: "-70 -10 1080 520", role: "img" }, box);
    const defs = svg("defs", {}, s);
    const marker = svg("marker", { id: `arrow-${d}`, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "5", markerHeight: "5", orient: "auto-start-reverse" }, defs);
    svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#555" }, marker);
    const X = (x) => x * K;
    const Y = (y) => (5 - y) * K;
    const arrow = (x0, y0, x1, y1) =>
      svg("line", { x1: X(x0), y1: Y(y0), x2: X(x1), y2: Y(y1), stroke: "#555", "stroke-width": "3.5", "marker-end": `url(#arrow-${d})` }, s);
    const cells = [];
    const addBox = (x, y, w, label, value, style) => {
      const rect = svg("rect", { x: X(x - w / 2), y: Y(y) - 40, width: w * K, height: 80, rx: 6, fill: "#f3f3f3", stroke: "#333", "stroke-width": "4" }, s);
      const t = svg("text", { x: X(x), y: Y(y), "text-anchor": "middle", class: "rp-boxtext", "data-box": value || "" }, s);
      const name = svg("tspan", { x: X(x), dy: value ? "-12" : "10", class: "rp-boxname" }, t);
      richText(name, label);
      let val = null;
      if (value) val = svg("tspan", { x: X(x), dy: "39", class: "rp-boxval", "data-q": value }, t);
      cells.push({ rect, t, val, value, style });
    };
    addBox(0.2, 0.45, 1.3, `x<sub>t</sub>, h<sub>${text.prev}</sub>`, null, null);
    const xs = Object.values(g.gate_x);
    svg("line", { x1: X(0.95), x2: X(Math.max(...xs)), y1: Y(0.45), y2: Y(0.45), stroke: "#555", "stroke-width": "3.5" }, s);
    for (const [gate, x] of Object.entries(g.gate_x)) {
      arrow(x, 0.45, x, 0.85);
      addBox(x, 1.25, 1.1, gate, gate, gate);
    }
    g.boxes.forEach((b, k) => addBox(b.x, b.y, b.w, text.boxes[k], b.value, b.style));
    for (const [x, y, op] of g.nodes) {
      svg("circle", { cx: X(x), cy: Y(y), r: 25, fill: "white", stroke: "#333", "stroke-width": "4" }, s);
      const t = svg("text", { x: X(x), y: Y(y), "text-anchor": "middle", "dominant-baseline": "central", class: "rp-op" }, s);
      t.textContent = op;
    }
    for (const [x0, y0, x1, y1] of g.arrows) arrow(x0, y0, x1, y1);
    g.labels.forEach(([x, y], k) => {
      const t = svg("text", { x: X(x), y: Y(y), "text-anchor": "middle", class: "rp-label" }, s);
      richText(t, text.labels[k]);
    });
    return cells;
  }

  buildTimeline(parent, d) {
    const box = el("div", { class: "rp-timeline" }, parent);
    const cap = el("div", { class: "rp-cap" }, box);
    const s = svg("svg", { preserveAspectRatio: "none", class: "rp-tl" }, box);
    const ticks = el("div", { class: "rp-ticks" }, box);
    const legend = el("div", { class: "rp-legend" }, box);
    return { box, cap, s, ticks, legend };
  }

  // --- other players and the page's heatmaps ---
  // Compare: players of one group share the step (a window event; no server round trip).
  follow(detail) {
    if (!this.data || !detail || detail.source === this || detail.group !== this.data.group) return;
    const s = Math.max(0, Math.min(this.T - 1, detail.step | 0));
    if (s === this.step && this.drawn === s) return;
    this.step = s;
    this.following = true;
    try {
      this.draw();
    } finally {
      this.following = false;
    }
  }

  broadcast() {
    if (!this.data.group || this.following) return;
    window.dispatchEvent(new CustomEvent("rnnviz-step", { detail: { group: this.data.group, step: this.step, source: this } }));
  }

  // The Plotly heatmaps drawn for this player (layout.meta.group): a click picks the unit and
  // the step here, hover reads the exact value here, the selection is outlined over them.
  hookHeatmaps() {
    const group = this.data && this.data.heatmaps;
    if (!group) return;
    for (const gd of document.querySelectorAll(".js-plotly-plot")) {
      const meta = gd.layout && gd.layout.meta;
      if (!meta || meta.group !== group || typeof gd.on !== "function") continue;
      if (gd.__rnnvizPlayer === this && this.hooked.has(gd)) continue;
      gd.__rnnvizPlayer = this;
      this.hooked.add(gd);
      gd.on("plotly_click", (ev) => gd.__rnnvizPlayer === this && this.heatmapClick(gd, ev));
      gd.on("plotly_hover", (ev) => gd.__rnnvizPlayer === this && this.heatmapHover(gd, ev));
      gd.on("plotly_unhover", () => {
        this.hovering = false;
        this.readout.removeAttribute("data-hover");
        this.draw();
      });
      gd.on("plotly_afterplot", () => this.outline(gd));
      this.outline(gd);
    }
    for (const gd of [...this.hooked]) if (!gd.isConnected) this.hooked.delete(gd);
  }

  heatmapCell(gd, ev) {
    const pt = ev && ev.points && ev.points[0];
    const order = (gd.layout.meta || {}).order || [];
    if (!pt || pt.y === undefined) return null;
    const row = Math.round(Number(pt.y));
    const t = Math.round(Number(pt.x));
    if (!(row >= 0 && row < order.length && t >= 0 && t < this.T)) return null;
    return { unit: order[row], t, pt };
  }

  heatmapClick(gd, ev) {
    const cell = this.heatmapCell(gd, ev);
    if (!cell) return;
    this.step = cell.t;
    this.unit = cell.unit % this.H; // a concatenated merge's ←u rows are unit u
    this.drawUnit();
    this.draw();
  }

  heatmapHover(gd, ev) {
    const cell = this.heatmapCell(gd, ev);
    if (!cell || !this.readout) return;
    const meta = gd.layout.meta || {};
    const colours = cell.pt.data && cell.pt.data.marker && cell.pt.data.marker.color;
    const own = colours && colours.length ? colours[cell.pt.pointNumber] : undefined;
    this.hovering = true;
    const d = meta.direction in this.values ? meta.direction : (this.data.view || {}).direction || this.data.payload.directions[0];
    this.fillReadout(d, meta.quantity, cell.t, cell.unit, own);
    this.readout.setAttribute("data-hover", "on");
  }

  // The selected unit's row and the step's column outlined over a heatmap (plain divs over the
  // plot, placed from its axes: no Plotly call, no rerun).
  outline(gd) {
    const fl = gd._fullLayout;
    if (!fl || !fl.xaxis || !fl.yaxis || !gd.isConnected) return;
    const order = (gd.layout.meta || {}).order || [];
    const xa = fl.xaxis;
    const ya = fl.yaxis;
    const host = gd.querySelector(".svg-container") || gd; // positioned; the axes' origin
    let box = host.querySelector(":scope > .rnnviz-outline");
    if (!box) {
      box = document.createElement("div");
      box.className = "rnnviz-outline";
      box.style.cssText = "position:absolute;left:0;top:0;width:0;height:0;pointer-events:none;z-index:2";
      for (const k of ["row", "col"]) {
        const mark = document.createElement("div");
        mark.className = `rnnviz-outline-${k}`;
        mark.style.cssText = "position:absolute;pointer-events:none;box-sizing:border-box";
        box.appendChild(mark);
      }
      host.appendChild(box);
    }
    const [rowMark, colMark] = box.children;
    const clip = (a, b, lo, len) => [Math.max(lo, Math.min(a, b)), Math.min(lo + len, Math.max(a, b))];
    const [x0, x1] = clip(xa._offset + xa.l2p(this.step - 0.5), xa._offset + xa.l2p(this.step + 0.5), xa._offset, xa._length);
    const [y0, y1] = [ya._offset, ya._offset + ya._length];
    colMark.style.cssText += `;left:${x0}px;top:${y0}px;width:${Math.max(0, x1 - x0)}px;height:${y1 - y0}px;border:2px dashed #111`;
    const row = order.indexOf(this.unit);
    if (row < 0) {
      rowMark.style.display = "none";
    } else {
      const [r0, r1] = clip(ya._offset + ya.l2p(row - 0.5), ya._offset + ya.l2p(row + 0.5), ya._offset, ya._length);
      rowMark.style.cssText += `;display:block;left:${xa._offset}px;top:${r0}px;width:${xa._length}px;height:${Math.max(0, r1 - r0)}px;border:2px solid ${CURSOR}`;
    }
    gd.setAttribute("data-rnnviz-step", String(this.step));
    gd.setAttribute("data-rnnviz-unit", String(this.unit));
  }

  // --- reading values ---
  value(d, field, t = this.step, u = this.unit) {
    const w = this.data.payload.widths[field];
    const arr = this.values[d][field];
    if (!arr || u >= w) return null;
    return arr[t * w + u];
  }

  // --- actions ---
  go(step) {
    const s = Math.max(0, Math.min(this.T - 1, step | 0));
    if (s === this.step && this.drawn === s) return;
    this.step = s;
    this.draw();
  }

  pick(unit) {
    if (!Number.isFinite(unit)) return;
    this.unit = Math.max(0, Math.min(this.H - 1, unit | 0));
    this.drawUnit();
    this.draw();
  }

  toggle(direction) {
    if (this.play === direction) {
      this.stop();
      return;
    }
    this.play = direction;
    // Play from the start of the reading direction when already at its end.
    if (direction > 0 && this.step >= this.T - 1) this.step = 0;
    if (direction < 0 && this.step <= 0) this.step = this.T - 1;
    this.draw();
    this.schedule();
  }

  schedule() {
    clearTimeout(this.timer);
    const every = 1000 / this.speed;
    let due = performance.now() + every;
    const tick = () => {
      const next = this.step + this.play;
      if (next < 0 || next > this.T - 1) {
        this.stop();
        return;
      }
      this.step = next;
      this.draw(); // one step per tick, drawn before the next is due: none is skipped
      due = Math.max(due + every, performance.now() + 1);
      this.timer = setTimeout(tick, due - performance.now());
    };
    this.timer = setTimeout(tick, every);
  }

  // Stopping Play keeps the step on screen (nothing is in flight: a tick draws before it moves on).
  stop(redraw = true) {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.play) return;
    this.play = 0;
    if (redraw) this.draw();
  }

  onKey(e) {
    if (e.target && e.target !== this.root && ["INPUT", "SELECT"].includes(e.target.tagName) && e.key !== " ") {
      if (e.target !== this.slider) return;
    }
    const keys = {
      ArrowRight: () => this.go(this.step + 1),
      n: () => this.go(this.step + 1),
      j: () => this.go(this.step + 1),
      ArrowLeft: () => this.go(this.step - 1),
      p: () => this.go(this.step - 1),
      k: () => this.go(this.step - 1),
      Home: () => this.go(0),
      End: () => this.go(this.T - 1),
      " ": () => this.toggle(this.play || this.lastPlay || +1),
      b: () => this.toggle(-1),
      ArrowUp: () => this.pick(this.unit + 1),
      ArrowDown: () => this.pick(this.unit - 1),
    };
    const act = keys[e.key];
    if (!act || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target && e.target.tagName === "BUTTON" && e.key === " ") {
      e.preventDefault(); // Space on a focused button would click it as well
    }
    e.preventDefault();
    e.stopPropagation();
    act();
  }

  // --- drawing ---
  // Everything that depends on the step (and the unit); cheap enough for every Play tick.
  draw() {
    const p = this.data.payload;
    const S = this.S;
    const t = this.step;
    const u = this.unit;
    if (this.play) this.lastPlay = this.play;
    this.slider.value = String(t);
    this.unitInput.value = String(u);
    this.stepLabel.textContent = `${S.step} ${t} / ${this.T - 1}`;
    this.bPrev.disabled = t === 0;
    this.bNext.disabled = t >= this.T - 1;
    this.bPlay.textContent = this.play > 0 ? S.pause : S.play;
    this.bBack.textContent = this.play < 0 ? S.pause : S.play_back;
    this.bPlay.setAttribute("aria-pressed", String(this.play > 0));
    this.bBack.setAttribute("aria-pressed", String(this.play < 0));
    this.reading.textContent = this.readingText(t);
    const toks = this.sentence.querySelectorAll(".tok");
    toks.forEach((node, k) => node.classList.toggle("cur", k === t));
    if (this.mode === "step") {
      for (const d of p.directions) this.drawDirection(d);
      this.drawCanvases();
    } else {
      this.drawView();
    }
    this.drawCursors();
    for (const gd of this.hooked) this.outline(gd);
    this.drawn = t;
    const r = this.root;
    r.setAttribute("data-step", String(t));
    r.setAttribute("data-unit", String(u));
    r.setAttribute("data-length", String(this.T));
    r.setAttribute("data-play", this.play ? "on" : "off");
    r.setAttribute("data-play-direction", this.play > 0 ? "forward" : this.play < 0 ? "backward" : "");
    if (!this.play) this.announce();
    this.url();
    this.broadcast();
  }

  readingText(t) {
    const p = this.data.payload;
    const S = this.S;
    const n = this.T;
    const tok = p.tokens[t];
    const range = (a, b) => (a === b ? String(a) : `${a}…${b}`);
    if (p.directions.length === 1) return format(S.reading_uni, { t, tok });
    if (n === 1) return format(S.reading_one, { t, tok });
    if (t === 0) return format(S.reading_first, { t, tok, after: range(n - 1, 1) });
    if (t === n - 1) return format(S.reading_last, { t, tok, before: range(0, n - 2) });
    return format(S.reading, { t, tok, before: range(0, t - 1), after: range(n - 1, t + 1) });
  }

  drawDirection(d) {
    const p = this.data.payload;
    const S = this.S;
    const P = this.panels[d];
    const t = this.step;
    const u = this.unit;
    P.title.textContent = `${S[d]} · ${p.title} · ${S.unit} ${u} · ${t}${S.colon}${p.tokens[t]}`;
    for (const c of P.diagram) {
      if (!c.value) continue;
      const v = this.value(d, c.value);
      const scale = this.scales[c.style] || this.scales[p.updated];
      const [fill, ink] = v === null ? ["#f3f3f3", "#111"] : scale(v);
      c.rect.setAttribute("fill", fill);
      c.t.setAttribute("fill", ink);
      c.val.textContent = num(v);
    }
    p.equations.forEach((eq, k) => {
      let html = "= ";
      let prevText = "";
      for (const part of eq.numeric) {
        if (typeof part === "string") {
          html += part;
          prevText = part;
          continue;
        }
        const v = this.value(d, part.f);
        const shown = num(v);
        html += v !== null && v < 0 && !prevText.endsWith("(") ? `(${shown})` : shown;
        prevText = "";
      }
      html += ` = <b data-eq-value="${eq.name}">${num(this.value(d, eq.name))}</b>`;
      P.eqRows[k].innerHTML = html;
    });
  }

  drawCursors() {
    const x = this.tx(this.step);
    for (const TL of this.timelines) {
      if (!TL.cursor) continue;
      TL.cursor.setAttribute("x1", x);
      TL.cursor.setAttribute("x2", x);
      TL.marks.forEach((m) => {
        const v = this.value(m.d, m.name);
        if (v === null) return;
        m.dot.setAttribute("cx", x);
        m.dot.setAttribute("cy", this.ty(TL, v));
      });
    }
  }

  tx(t) {
    return (t + 0.5) / this.T;
  }

  ty(TL, v) {
    const [lo, hi] = TL.range;
    return 1 - (v - lo) / (hi - lo);
  }

  // The unit's lines over the sentence (redrawn when the unit or the data changes, not per step).
  drawUnit() {
    const p = this.data.payload;
    const S = this.S;
    const u = this.unit;
    for (const TL of this.timelines) {
      const s = TL.s;
      s.textContent = "";
      s.setAttribute("viewBox", "0 0 1 1");
      const d = TL.direction;
      TL.cap.textContent = d ? `${d === "forward" ? "→" : "←"} ${S.unit} ${u} · ${S.timeline}` : `${S.unit} ${u} · ${S.timeline}`;
      let lo = 0;
      let hi = 1;
      const lines = [];
      for (const line of TL.series) {
        if (u >= p.widths[line.name]) continue;
        const ys = [];
        for (let t = 0; t < this.T; t++) ys.push(this.value(line.d, line.name, t, u));
        const sc = p.scales[line.name];
        lo = Math.min(lo, sc.zmin, ...ys);
        hi = Math.max(hi, ...ys);
        lines.push({ ...line, ys });
      }
      const pad = 0.04 * (hi - lo);
      TL.range = [lo - pad, hi + pad];
      const zero = svg("line", { x1: 0, x2: 1, y1: this.ty(TL, 0), y2: this.ty(TL, 0), class: "rp-zero" }, s);
      zero.setAttribute("vector-effect", "non-scaling-stroke");
      TL.cursor = svg("line", { y1: 0, y2: 1, class: "rp-cursor", "vector-effect": "non-scaling-stroke" }, s);
      TL.marks = [];
      TL.legend.textContent = "";
      for (const line of lines) {
        const pts = line.ys.map((v, t) => `${this.tx(t)},${this.ty(TL, v)}`).join(" ");
        svg("polyline", {
          points: pts,
          fill: "none",
          stroke: line.colour,
          "stroke-width": line.state ? 3 : 1.6,
          "stroke-dasharray": line.dash || "",
          "vector-effect": "non-scaling-stroke",
          "data-q": line.name,
          "data-direction": line.d,
        }, s);
        const dot = svg("ellipse", { rx: 0.006, ry: 0.03, fill: line.colour, class: "rp-dot" }, s);
        TL.marks.push({ d: line.d, name: line.name, dot });
        const item = el("span", { class: "rp-item" }, TL.legend);
        el("span", { class: "rp-sw", style: line.dash ? `border:2px dashed ${line.colour};background:none` : `background:${line.colour}` }, item);
        item.appendChild(document.createTextNode(line.label || line.name));
      }
    }
    this.drawTicks();
  }

  // Token ticks under each timeline: as many as fit the width without touching (every k-th on
  // long sentences; positions are integers, so repeated tokens never merge).
  drawTicks() {
    const p = this.data.payload;
    const longest = Math.max(1, ...p.tokens.map((tok) => [...tok].reduce((n, ch) => n + (ch.charCodeAt(0) > 0x2e80 ? 1 : 0.6), 0)));
    for (const TL of this.timelines) {
      const width = this.sizes.get(TL.ticks) || 600;
      const label = (longest * 0.8 + 0.8) * this.em; // the tick font is .8em
      const every = Math.max(1, Math.ceil((this.T * label) / width));
      TL.ticks.textContent = "";
      TL.ticks.setAttribute("data-every", String(every));
      for (let t = 0; t < this.T; t += every) {
        const tick = el("span", { text: p.tokens[t].trim() ? p.tokens[t] : "␣" }, TL.ticks);
        tick.style.left = `${(100 * (t + 0.5)) / this.T}%`;
      }
    }
  }

  // Layout is read here only (on resize and new data), never while drawing a step: a read after
  // the step's DOM writes would force the whole page's layout on every key press.
  measure() {
    this.em = parseFloat(getComputedStyle(this.root).fontSize) || 14;
    this.sizes = new Map();
    if (!this.panels) return;
    for (const P of Object.values(this.panels)) {
      for (const c of [P.strips, P.split]) this.sizes.set(c, c.clientWidth || 300);
    }
    for (const TL of this.timelines) this.sizes.set(TL.ticks, TL.ticks.clientWidth || 600);
  }

  drawCanvases() {
    if (!this.data || this.mode !== "step") return;
    for (const d of this.data.payload.directions) {
      this.drawStrips(d);
      this.drawSplit(d);
    }
  }

  canvas(c, rows) {
    const ratio = window.devicePixelRatio || 1;
    const w = this.sizes.get(c) || 300;
    const em = this.em;
    const h = Math.round(rows * em);
    if (c.width !== Math.round(w * ratio) || c.height !== Math.round(h * ratio)) {
      c.width = Math.round(w * ratio);
      c.height = Math.round(h * ratio);
      c.style.height = `${h}px`;
    }
    const ctx = c.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    return { ctx, w, h, em };
  }

  stripGeometry(c) {
    const left = 1.6 * this.em;
    return { left, width: (this.sizes.get(c) || 300) - left - 2 };
  }

  // Gate strips: one pixel per unit and quantity in a small image, scaled up (no smoothing).
  drawStrips(d) {
    const p = this.data.payload;
    const c = this.panels[d].strips;
    const names = p.names;
    const { ctx, h, em } = this.canvas(c, 0.95 * names.length + 0.3);
    const { left, width } = this.stripGeometry(c);
    const rowH = (h - 0.3 * em) / names.length;
    const H = this.H;
    if (!this.stripImage || this.stripImage.width !== H || this.stripImage.height !== names.length) {
      this.stripImage = new ImageData(H, names.length);
      this.stripCanvas = document.createElement("canvas");
      this.stripCanvas.width = H;
      this.stripCanvas.height = names.length;
    }
    const px = this.stripImage.data;
    px.fill(255);
    names.forEach((name, r) => {
      const wName = p.widths[name];
      const arr = this.values[d][name];
      const lut = this.luts[name];
      const [lo, span] = lut.range;
      const base = this.step * wName;
      for (let k = 0; k < wName; k++) {
        let f = Math.round(((arr[base + k] - lo) / span) * 255);
        f = f < 0 ? 0 : f > 255 ? 255 : f;
        const o = 4 * (r * H + k);
        px[o] = lut[3 * f];
        px[o + 1] = lut[3 * f + 1];
        px[o + 2] = lut[3 * f + 2];
        px[o + 3] = 255;
      }
    });
    this.stripCanvas.getContext("2d").putImageData(this.stripImage, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.font = `${0.85 * em}px sans-serif`;
    ctx.textBaseline = "middle";
    ctx.fillStyle = "#111";
    names.forEach((name, r) => {
      const y = r * rowH + 0.15 * em;
      ctx.fillText(name, 0.2 * em, y + rowH / 2);
      ctx.drawImage(this.stripCanvas, 0, r, H, 1, left, y + 1, width, rowH - 2);
    });
    const cw = width / H;
    ctx.strokeStyle = CURSOR;
    ctx.lineWidth = 2;
    ctx.strokeRect(left + this.unit * cw - 1, 1, cw + 2, h - 2);
  }

  // kept + written, stacked as Plotly's "relative" bars (positives up, negatives down), ◆ new.
  drawSplit(d) {
    const p = this.data.payload;
    const c = this.panels[d].split;
    const { ctx, h, em } = this.canvas(c, 4.6);
    const { left, width } = this.stripGeometry(c);
    const m = this.splitRange[d];
    const mid = h / 2;
    const scale = (h / 2 - 0.4 * em) / m;
    const wKept = p.widths.kept;
    const base = this.step * wKept;
    const kept = this.values[d].kept;
    const written = this.values[d].written;
    const upd = this.values[d][p.updated];
    const baseNew = this.step * p.widths[p.updated];
    const cw = width / this.H;
    ctx.strokeStyle = "#bbb";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, mid);
    ctx.lineTo(left + width, mid);
    ctx.stroke();
    ctx.fillStyle = "#444";
    ctx.font = `${0.75 * em}px sans-serif`;
    ctx.textBaseline = "top";
    ctx.fillText(`+${m.toFixed(1)}`, 0, 0);
    ctx.textBaseline = "bottom";
    ctx.fillText(`−${m.toFixed(1)}`, 0, h);
    const keptPath = new Path2D();
    const writtenPath = new Path2D();
    const diamonds = new Path2D();
    const r = Math.max(1.5, Math.min(4, cw / 2));
    for (let k = 0; k < wKept; k++) {
      let pos = 0;
      let neg = 0;
      for (const [v, path] of [[kept[base + k], keptPath], [written[base + k], writtenPath]]) {
        const from = v >= 0 ? pos : neg;
        const to = from + v;
        if (v >= 0) pos = to;
        else neg = to;
        const y0 = mid - from * scale;
        const y1 = mid - to * scale;
        path.rect(left + k * cw + 0.5, Math.min(y0, y1), Math.max(1, cw - 1), Math.abs(y1 - y0));
      }
      const x = left + (k + 0.5) * cw;
      const yv = mid - upd[baseNew + k] * scale;
      diamonds.moveTo(x, yv - r);
      diamonds.lineTo(x + r, yv);
      diamonds.lineTo(x, yv + r);
      diamonds.lineTo(x - r, yv);
      diamonds.closePath();
    }
    ctx.fillStyle = KEPT;
    ctx.fill(keptPath);
    ctx.fillStyle = WRITTEN;
    ctx.fill(writtenPath);
    ctx.fillStyle = "#111";
    ctx.fill(diamonds);
    ctx.strokeStyle = CURSOR;
    ctx.lineWidth = 2;
    ctx.strokeRect(left + this.unit * cw - 1, 1, cw + 2, h - 2);
  }

  unitAt(c, e) {
    const { left, width } = this.stripGeometry(c);
    const x = e.clientX - c.getBoundingClientRect().left - left;
    const u = Math.floor((x / width) * this.H);
    return u >= 0 && u < this.H ? u : null;
  }

  hover(c, e, d) {
    const u = this.unitAt(c, e);
    if (u === null) {
      this.tip.hidden = true;
      return;
    }
    const p = this.data.payload;
    const fields = c.classList.contains("rp-split") ? ["kept", "written", p.updated] : p.names;
    const parts = fields.map((f) => `${f} ${num(this.value(d, f, this.step, u))}`);
    this.tip.textContent = `${this.S.unit} ${u} · ${parts.join(" · ")}`;
    const box = this.root.getBoundingClientRect();
    this.tip.style.left = `${e.clientX - box.left + 12}px`;
    this.tip.style.top = `${e.clientY - box.top + 12}px`;
    this.tip.hidden = false;
  }

  announce() {
    const p = this.data.payload;
    const t = this.step;
    const parts = p.directions.map((d) => {
      const vals = p.names.map((n) => `${n} ${num(this.value(d, n))}`).join(", ");
      return `${this.S[d]}${this.S.colon}${vals}`;
    });
    this.live.textContent = format(this.S.player_aria, {
      t,
      tok: p.tokens[t],
      unit: this.unit,
      values: parts.join("; "),
    });
  }

  // step and unit in the address bar without a rerun (throttled: browsers cap replaceState)
  url() {
    const write = () => {
      this.urlTimer = null;
      this.lastUrl = performance.now();
      const u = new URL(window.location.href);
      const keys = this.data.url_keys || ["step", "unit", "play"];
      if (keys.includes("step")) u.searchParams.set("step", String(this.step));
      if (keys.includes("unit")) u.searchParams.set("unit", String(this.unit));
      // the way Play last read (a shared link opens with Space playing that way)
      if (keys.includes("play") && this.lastPlay) u.searchParams.set("play", this.lastPlay < 0 ? "backward" : "forward");
      if (!keys.length) return;
      if (u.href !== window.location.href) window.history.replaceState(window.history.state, "", u.href);
    };
    const wait = 200 - (performance.now() - this.lastUrl);
    if (!this.play || wait <= 0) {
      clearTimeout(this.urlTimer);
      write();
    } else if (!this.urlTimer) {
      this.urlTimer = setTimeout(write, wait);
    }
  }

  destroy() {
    this.stop(false);
    clearInterval(this.hookTimer);
    window.removeEventListener("rnnviz-step", this.onGroup);
    clearTimeout(this.urlTimer);
    this.resize.disconnect();
  }
}

export default function (component) {
  const { parentElement } = component;
  const data = unpack(component.data);
  let root = parentElement.querySelector('[data-testid="rnnviz-player"]');
  const player = root ? root.__player : new Player(parentElement);
  player.load(data);
  return () => player.destroy();
}
