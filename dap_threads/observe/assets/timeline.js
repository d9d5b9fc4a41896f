/* dap-threads thread timeline: one lane per thread from birth to exit, coloured by sampled state,
 * creator arrows, paused moments, zoom and pan. One <canvas>, no DOM node per thread, so 20,000
 * threads draw in tens of milliseconds: only the lanes and the states inside the visible window are
 * drawn, found by index and binary search; states narrower than a pixel merge into one.
 *
 * The data is Timeline.to_data()'s format (dap_threads/observe/timeline.py); append() takes the
 * batches of Timeline.take_batch(), for a view that follows a live session.
 *
 * Mouse: wheel zooms time around the pointer, shift+wheel scrolls the lanes, drag pans both.
 * Keys: w/s zoom, a/d pan, up/down scroll, +/- lane height, f or 0 fits everything.
 */
"use strict";
var DapThreadsTimeline = (function () {
  const COLORS = {
    R: "#2f9e44", S: "#9ab8d8", D: "#e8590c", T: "#ae3ec9", t: "#ae3ec9",
    Z: "#495057", X: "#495057", I: "#868e96", P: "#868e96",
  };
  const ALIVE = "#cfd4da";      // alive, no sample yet
  const LEGEND = [["R", "running"], ["S", "sleeping"], ["D", "disk wait"], ["t", "stopped / ptrace stop"], ["Z", "zombie"],
    [ALIVE, "alive, not sampled"]];
  const PAUSED = "rgba(174, 62, 201, 0.16)";
  const PAUSE_EDGE = "rgba(174, 62, 201, 0.7)";
  const ARROW = "rgba(33, 37, 41, 0.55)";
  const LABEL_WIDTH = 210, AXIS = 26, MIN_LANE = 0.02, MAX_LANE = 24;

  /* "#rrggbb" as the 32-bit pixel of an ImageData on a little-endian machine (bytes R, G, B, A). */
  function packed(hex) {
    const v = parseInt(hex.slice(1), 16);
    return ((255 << 24) | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff)) >>> 0;
  }
  const WHITE = packed("#ffffff");
  const PACKED = { alive: packed(ALIVE) };
  for (const letter of Object.keys(COLORS)) PACKED[letter] = packed(COLORS[letter]);

  /* ----- the data ----------------------------------------------------------------------- */

  class Model {
    constructor(data) { this.load(data); }

    load(data) {
      this.pid = data.pid; this.name = data.name; this.t0 = data.t0 || 0; this.end = data.end || 0;
      this.labels = (data.labels || []).slice();
      this.threads = new Map();
      this.pauses = (data.pauses || []).map((p) => p.slice());
      this.dropped = data.dropped || {};
      this.changes = 0;
      for (const thread of data.threads || []) this.addThread(thread);
      this.layout();
    }

    addThread(th) {
      const t = {
        id: th.id, tid: th.tid, name: th.name, creator: th.creator, born: th.born, exited: th.exited,
        origin: th.origin, times: [], labels: [], cpus: [], lane: -1,
      };
      const s = th.states || [];
      for (let i = 0; i + 2 < s.length; i += 3) { t.times.push(s[i]); t.labels.push(s[i + 1]); t.cpus.push(s[i + 2]); }
      this.changes += t.times.length;
      this.threads.set(t.id, t);
      this.end = Math.max(this.end, th.born, th.exited || 0);
      return t;
    }

    /* Lanes in creation-tree order: each thread right under its creator's subtree, children by birth. */
    layout() {
      const children = new Map(), roots = [];
      for (const t of this.threads.values()) {
        const parent = t.creator === null || t.creator === undefined ? null : this.threads.get(t.creator);
        if (!parent) { roots.push(t); continue; }
        let list = children.get(parent.id);
        if (!list) children.set(parent.id, (list = []));
        list.push(t);
      }
      const byBirth = (a, b) => a.born - b.born || a.id - b.id;
      roots.sort(byBirth);
      this.lanes = [];
      const stack = roots.slice().reverse().map((t) => [t, 0]);
      while (stack.length) {
        const [t, depth] = stack.pop();
        t.lane = this.lanes.length; t.depth = depth;
        this.lanes.push(t);
        const kids = children.get(t.id);
        if (kids) { kids.sort(byBirth); for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], depth + 1]); }
      }
    }

    append(batch) {
      if (batch.full) { this.load(batch); return; }
      for (const label of batch.labels || []) this.labels.push(label);
      let added = false;
      for (const th of batch.threads || []) { this.addThread(th); added = true; }
      for (const [id, name] of batch.names || []) { const t = this.threads.get(id); if (t) t.name = name; }
      for (const [id, at] of batch.exits || []) { const t = this.threads.get(id); if (t) t.exited = at; }
      for (const [id, at, label, cpu] of batch.changes || []) {
        const t = this.threads.get(id);
        if (!t) continue;
        t.times.push(at); t.labels.push(label); t.cpus.push(cpu); this.changes++;
      }
      for (const p of batch.pauses || []) {
        const known = this.pauses.find((q) => q[0] === p[0]);
        if (known) known[1] = p[1]; else this.pauses.push(p.slice());
      }
      this.end = Math.max(this.end, batch.end || 0);
      if (added) this.layout();
    }

    lifeEnd(t) { return t.exited === null || t.exited === undefined ? this.end : t.exited; }

    /* Index of the last state change at or before time x (-1 if none). */
    stateAt(t, x) {
      let lo = 0, hi = t.times.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (t.times[mid] <= x) lo = mid + 1; else hi = mid; }
      return lo - 1;
    }
  }

  /* ----- the view -------------------------------------------------------------------------- */

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmtTime(s) {
    const a = Math.abs(s);
    if (a >= 60) return (s / 60).toFixed(a >= 600 ? 0 : 1) + " min";
    if (a >= 1) return s.toFixed(a >= 10 ? 1 : 2) + " s";
    if (a >= 1e-3) return (s * 1e3).toFixed(a >= 1e-2 ? 0 : 1) + " ms";
    return (s * 1e6).toFixed(0) + " µs";
  }

  class TimelineView {
    constructor(root, data) {
      this.root = root;
      this.model = new Model(data);
      this.build();
      this.fit();
      const start = performance.now();
      this.draw();
      this.firstDrawMs = performance.now() - start;
    }

    build() {
      const bar = el("div", "tl-bar");
      this.title = el("span", "tl-title");
      this.info = el("span", "tl-info");
      const legend = el("span", "tl-legend");
      for (const [letter, words] of LEGEND) {
        const item = el("span");
        const swatch = el("i");
        swatch.style.background = COLORS[letter] || letter;
        item.append(swatch, words);
        legend.append(item);
      }
      const paused = el("span"), pswatch = el("i");
      pswatch.style.background = PAUSED; pswatch.style.border = "1px solid " + PAUSE_EDGE;
      paused.append(pswatch, "paused"); legend.append(paused);
      const button = (text, title, action) => {
        const b = el("button", "", text); b.title = title;
        b.addEventListener("click", () => { action(); this.schedule(); });
        return b;
      };
      const lanes = el("label", "", "lane height");
      this.slider = document.createElement("input");
      Object.assign(this.slider, { type: "range", min: "0", max: "100", step: "1" });
      this.slider.addEventListener("input", () => { this.setLaneHeight(this.sliderToLane(+this.slider.value)); this.schedule(); });
      lanes.append(this.slider);
      this.notes = el("span", "tl-help");
      bar.append(this.title, this.info, legend,
        button("Fit", "show everything (f)", () => this.fit()),
        button("+", "zoom in (w)", () => this.zoom(0.5)),
        button("−", "zoom out (s)", () => this.zoom(2)),
        lanes, el("span", "tl-help", "wheel: zoom · shift+wheel: scroll · drag: pan"), this.notes);
      this.plot = el("div", "tl-plot");
      this.canvas = document.createElement("canvas");
      this.tip = el("div", "tl-tip");
      this.plot.append(this.canvas, this.tip);
      this.plot.tabIndex = 0;
      this.root.append(bar, this.plot);
      this.ctx = this.canvas.getContext("2d");
      this.bind();
      this.resize();
    }

    note(text) { this.notes.textContent = text; }

    /* ----- geometry ----- */

    /* Size the canvas to the plot; false when nothing changed (resizing a canvas clears it). */
    resize() {
      const dpr = window.devicePixelRatio || 1;
      const width = Math.max(200, this.plot.clientWidth), height = Math.max(100, this.plot.clientHeight);
      if (width === this.width && height === this.height && dpr === this.dpr) return false;
      this.width = width;
      this.height = height;
      this.canvas.width = Math.round(this.width * dpr);
      this.canvas.height = Math.round(this.height * dpr);
      this.canvas.style.width = this.width + "px";
      this.canvas.style.height = this.height + "px";
      this.dpr = dpr;
      return true;
    }

    get plotWidth() { return this.width - LABEL_WIDTH; }
    get plotHeight() { return this.height - AXIS; }
    x(t) { return LABEL_WIDTH + (t - this.t0) / (this.t1 - this.t0) * this.plotWidth; }
    time(x) { return this.t0 + (x - LABEL_WIDTH) / this.plotWidth * (this.t1 - this.t0); }

    fit() {
      const end = Math.max(this.model.end, 1e-3);
      this.t0 = -end * 0.01; this.t1 = end * 1.01;
      this.setLaneHeight(this.plotHeight / Math.max(1, this.model.lanes.length));
      this.scrollY = 0;
    }

    /* Show the time window [t0, t1] with lanes h pixels tall, starting at lane ``lane``. */
    show(t0, t1, h, lane) {
      if (t1 > t0) { this.t0 = t0; this.t1 = t1; }
      this.setLaneHeight(h);
      this.scrollY = lane * this.laneH;
      this.clampScroll();
      this.draw();
    }

    setLaneHeight(h) {
      this.laneH = Math.min(MAX_LANE, Math.max(MIN_LANE, h));
      this.slider.value = String(Math.round(this.laneToSlider(this.laneH)));
      this.clampScroll();
    }

    laneToSlider(h) { return 100 * Math.log(h / MIN_LANE) / Math.log(MAX_LANE / MIN_LANE); }
    sliderToLane(v) { return MIN_LANE * Math.pow(MAX_LANE / MIN_LANE, v / 100); }

    clampScroll() {
      const total = this.model.lanes.length * this.laneH;
      this.scrollY = Math.max(0, Math.min(this.scrollY || 0, total - this.plotHeight));
    }

    zoom(factor, atX) {
      const pivot = this.time(atX === undefined ? LABEL_WIDTH + this.plotWidth / 2 : atX);
      const span = Math.max(1e-7, (this.t1 - this.t0) * factor);
      const share = (pivot - this.t0) / (this.t1 - this.t0);
      this.t0 = pivot - share * span; this.t1 = this.t0 + span;
    }

    pan(dx, dy) {
      const dt = dx / this.plotWidth * (this.t1 - this.t0);
      this.t0 -= dt; this.t1 -= dt;
      this.scrollY -= dy;
      this.clampScroll();
    }

    /* ----- input ----- */

    bind() {
      this.plot.addEventListener("wheel", (e) => {
        e.preventDefault();
        const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
        if (e.shiftKey) { this.scrollY += delta; this.clampScroll(); }
        else this.zoom(Math.pow(1.0015, delta), e.offsetX);
        this.schedule();
      }, { passive: false });
      let drag = null;
      this.plot.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY }; this.plot.classList.add("dragging"); this.plot.focus(); });
      window.addEventListener("mouseup", () => { drag = null; this.plot.classList.remove("dragging"); });
      window.addEventListener("mousemove", (e) => {
        if (drag) {
          this.pan(e.clientX - drag.x, e.clientY - drag.y);
          drag = { x: e.clientX, y: e.clientY };
          this.schedule();
        }
      });
      this.plot.addEventListener("mousemove", (e) => { if (!drag) this.hover(e.offsetX, e.offsetY); });
      this.plot.addEventListener("mouseleave", () => { this.tip.style.display = "none"; });
      this.plot.addEventListener("keydown", (e) => {
        const k = e.key;
        if (k === "w") this.zoom(0.8); else if (k === "s") this.zoom(1.25);
        else if (k === "a") this.pan(this.plotWidth * 0.1, 0); else if (k === "d") this.pan(-this.plotWidth * 0.1, 0);
        else if (k === "ArrowUp") this.pan(0, this.plotHeight * 0.1); else if (k === "ArrowDown") this.pan(0, -this.plotHeight * 0.1);
        else if (k === "+" || k === "=") this.setLaneHeight(this.laneH * 1.25); else if (k === "-") this.setLaneHeight(this.laneH / 1.25);
        else if (k === "f" || k === "0") this.fit();
        else return;
        e.preventDefault();
        this.schedule();
      });
      if (window.ResizeObserver) {
        new ResizeObserver(() => { if (this.resize()) { this.clampScroll(); this.draw(); } }).observe(this.plot);
      }
    }

    schedule() {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => { this.pending = false; this.draw(); });
    }

    append(batch) { this.model.append(batch); this.clampScroll(); this.schedule(); }

    laneAt(y) {
      if (y < AXIS) return null;
      return this.model.lanes[Math.floor((y - AXIS + this.scrollY) / this.laneH)] || null;
    }

    hover(x, y) {
      const t = this.laneAt(y);
      if (!t || x < LABEL_WIDTH) { this.tip.style.display = "none"; return; }
      const m = this.model, at = this.time(x);
      const lines = [`${t.tid} ${t.name || "?"}`];
      const creator = t.creator === null ? null : m.threads.get(t.creator);
      lines.push(creator ? `created by ${creator.tid} ${creator.name || "?"}` : t.origin === "clone" ? "creator forgotten" : `present at ${t.origin === "launch" ? "launch" : "attach"}`);
      lines.push(`born ${fmtTime(t.born)}` + (t.exited === null || t.exited === undefined ? ", alive" : `, exited ${fmtTime(t.exited)} (lived ${fmtTime(t.exited - t.born)})`));
      const i = m.stateAt(t, at);
      if (at < t.born || at > m.lifeEnd(t)) lines.push(`at ${fmtTime(at)}: not alive`);
      else if (i < 0) lines.push(`at ${fmtTime(at)}: not sampled yet`);
      else {
        const [letter, wait, words] = m.labels[t.labels[i]] || ["?", "", "?"];
        const cpu = t.cpus[i] >= 0 ? `, ${t.cpus[i].toFixed(0)}% CPU` : "";
        lines.push(`at ${fmtTime(at)}: ${letter} ${words}${wait ? " in " + wait : ""}${cpu}`);
      }
      const p = m.pauses.find((q) => at >= q[0] && at <= (q[1] === null ? m.end : q[1]));
      if (p) lines.push("program paused");
      this.tip.textContent = lines.join("\n");
      this.tip.style.display = "block";
      this.tip.style.left = Math.min(x + 14, this.width - this.tip.offsetWidth - 4) + "px";
      this.tip.style.top = Math.min(y + 14, this.height - this.tip.offsetHeight - 4) + "px";
    }

    /* ----- drawing ----- */

    draw() {
      const m = this.model, ctx = this.ctx;
      ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      ctx.clearRect(0, 0, this.width, this.height);
      const first = Math.max(0, Math.floor(this.scrollY / this.laneH));
      const last = Math.min(m.lanes.length, Math.ceil((this.scrollY + this.plotHeight) / this.laneH));
      ctx.save();
      ctx.beginPath(); ctx.rect(LABEL_WIDTH, AXIS, this.plotWidth, this.plotHeight); ctx.clip();
      if (this.laneH < 2) this.drawLanesDense(first, last); else this.drawLanes(first, last);
      this.drawPauses();
      if (this.laneH >= 3) this.drawArrows(first, last);
      ctx.restore();
      this.drawLabels(first, last);
      this.drawAxis();
      this.title.textContent = `${m.name || "process"} (${m.pid}) — thread timeline`;
      const dropped = m.dropped && (m.dropped.threads || m.dropped.changes)
        ? ` · older history dropped (${m.dropped.threads || 0} threads, ${m.dropped.changes || 0} samples)` : "";
      this.info.textContent = `${m.lanes.length.toLocaleString()} threads · ${m.changes.toLocaleString()} state changes · ${fmtTime(m.end)}${dropped}`;
    }

    drawLanes(first, last) {
      const m = this.model, ctx = this.ctx, h = this.laneH, gap = h >= 5 ? 1 : 0;
      const left = LABEL_WIDTH, right = this.width;
      let color = "";
      // Lanes thinner than a pixel (the overview of thousands) are drawn a pixel tall, and lives or
      // states shorter than a pixel a pixel wide: a 1 ms thread among 20,000 over minutes stays visible.
      const height = Math.max(h - gap, 1);
      const fill = (c, x0, y, w) => { if (c !== color) { ctx.fillStyle = c; color = c; } ctx.fillRect(x0, y, w, height); };
      for (let lane = first; lane < last; lane++) {
        const t = m.lanes[lane];
        const y = AXIS + lane * h - this.scrollY;
        const end = m.lifeEnd(t);
        const x0 = Math.max(left, this.x(t.born)), x1 = Math.min(right, this.x(end));
        if (x1 < left || x0 > right) continue;
        fill(ALIVE, x0, y, Math.max(x1 - x0, 1));
        const n = t.times.length;
        if (!n) continue;
        let k = Math.max(0, m.stateAt(t, this.t0));
        let drawnTo = -Infinity;
        for (; k < n; k++) {
          const s = t.times[k];
          if (s > this.t1) break;
          const e = k + 1 < n ? Math.min(t.times[k + 1], end) : end;
          let sx = Math.max(this.x(Math.max(s, t.born)), left);
          const ex = Math.min(this.x(e), right);
          if (ex <= drawnTo) continue; // inside a pixel already drawn: merge
          sx = Math.max(sx, drawnTo);
          const label = m.labels[t.labels[k]];
          fill(COLORS[label ? label[0] : "S"] || "#adb5bd", sx, y, Math.max(ex - sx, 1));
          drawnTo = Math.max(ex, sx + 1);
        }
      }
    }

    /* Thousands of lanes a pixel or less tall: paint pixels into one image instead of a rectangle per
     * state (a 20,000-thread overview would be 100,000 rectangles, most of them painted over). Each lane
     * owns one pixel row; a later lane on the same row paints over an earlier one, as rectangles would. */
    drawLanesDense(first, last) {
      const m = this.model, dpr = this.dpr;
      const width = Math.max(1, Math.round(this.plotWidth * dpr)), height = Math.max(1, Math.round(this.plotHeight * dpr));
      if (!this.image || this.image.width !== width || this.image.height !== height) {
        this.image = this.ctx.createImageData(width, height);
        this.pixels = new Uint32Array(this.image.data.buffer);
      }
      const px = this.pixels, scale = width / (this.t1 - this.t0), rowsPerLane = this.laneH * dpr;
      px.fill(WHITE);
      const column = (t) => Math.round((t - this.t0) * scale);
      for (let lane = first; lane < last; lane++) {
        const t = m.lanes[lane];
        const row = Math.floor((lane * this.laneH - this.scrollY) * dpr);
        if (row < 0 || row >= height) continue;
        const rows = Math.max(1, Math.min(Math.round(rowsPerLane), height - row));
        const end = m.lifeEnd(t);
        const c0 = Math.max(0, column(t.born)), c1 = Math.min(width, Math.max(column(end), column(t.born) + 1));
        if (c1 <= 0 || c0 >= width) continue;
        for (let r = 0; r < rows; r++) px.fill(PACKED.alive, (row + r) * width + c0, (row + r) * width + c1);
        const n = t.times.length;
        for (let k = Math.max(0, m.stateAt(t, this.t0)); k < n; k++) {
          const s = t.times[k];
          if (s > this.t1) break;
          const e = k + 1 < n ? Math.min(t.times[k + 1], end) : end;
          const a = Math.max(0, column(Math.max(s, t.born))), b = Math.min(width, Math.max(column(e), a + 1));
          if (b <= a) continue;
          const label = m.labels[t.labels[k]];
          const color = PACKED[label ? label[0] : "S"] || PACKED.alive;
          for (let r = 0; r < rows; r++) px.fill(color, (row + r) * width + a, (row + r) * width + b);
        }
      }
      this.ctx.putImageData(this.image, Math.round(LABEL_WIDTH * dpr), Math.round(AXIS * dpr));
    }

    drawPauses() {
      const m = this.model, ctx = this.ctx;
      for (const [start, stop] of m.pauses) {
        const x0 = this.x(start), x1 = this.x(stop === null ? m.end : stop);
        if (x1 < LABEL_WIDTH || x0 > this.width) continue;
        ctx.fillStyle = PAUSED;
        ctx.fillRect(x0, AXIS, Math.max(x1 - x0, 2), this.plotHeight);
        ctx.fillStyle = PAUSE_EDGE;
        ctx.fillRect(x0, AXIS, 1, this.plotHeight);
        if (stop !== null) ctx.fillRect(x1, AXIS, 1, this.plotHeight);
      }
    }

    drawArrows(first, last) {
      const m = this.model, ctx = this.ctx, h = this.laneH;
      ctx.strokeStyle = ARROW; ctx.fillStyle = ARROW; ctx.lineWidth = 1;
      const top = AXIS, bottom = this.height;
      let drawn = 0;
      ctx.beginPath();
      for (let lane = first; lane < last && drawn < 20000; lane++) {
        const t = m.lanes[lane];
        const parent = t.creator === null ? null : m.threads.get(t.creator);
        if (!parent) continue;
        const x = this.x(t.born);
        if (x < LABEL_WIDTH || x > this.width) continue;
        const cy = Math.min(bottom, Math.max(top, AXIS + (parent.lane + 0.5) * h - this.scrollY));
        const y = AXIS + (lane + 0.5) * h - this.scrollY;
        ctx.moveTo(x + 0.5, cy); ctx.lineTo(x + 0.5, y);
        drawn++;
      }
      ctx.stroke();
      if (h < 6) return;
      ctx.beginPath();
      for (let lane = first; lane < last; lane++) {
        const t = m.lanes[lane];
        if (t.creator === null || !m.threads.get(t.creator)) continue;
        const x = this.x(t.born) + 0.5, y = AXIS + (lane + 0.5) * h - this.scrollY;
        const up = m.threads.get(t.creator).lane > lane ? -1 : 1;
        ctx.moveTo(x, y); ctx.lineTo(x - 3, y - 4 * up); ctx.lineTo(x + 3, y - 4 * up); ctx.closePath();
      }
      ctx.fill();
    }

    drawLabels(first, last) {
      const m = this.model, ctx = this.ctx, h = this.laneH;
      ctx.fillStyle = "#f7f7f8";
      ctx.fillRect(0, AXIS, LABEL_WIDTH, this.plotHeight);
      ctx.fillStyle = "#ddd";
      ctx.fillRect(LABEL_WIDTH - 1, AXIS, 1, this.plotHeight);
      if (h < 9) {
        ctx.fillStyle = "#777";
        ctx.font = "11px system-ui, sans-serif";
        ctx.fillText(`${(last - first).toLocaleString()} of ${m.lanes.length.toLocaleString()} threads`, 6, AXIS + 14);
        ctx.fillText("(+ / slider: taller lanes)", 6, AXIS + 28);
        return;
      }
      ctx.save();
      ctx.beginPath(); ctx.rect(0, AXIS, LABEL_WIDTH - 4, this.plotHeight); ctx.clip();
      ctx.font = `${Math.min(12, h - 2)}px system-ui, sans-serif`;
      ctx.textBaseline = "middle";
      for (let lane = first; lane < last; lane++) {
        const t = m.lanes[lane];
        const y = AXIS + (lane + 0.5) * h - this.scrollY;
        const indent = Math.min(t.depth || 0, 12) * 8;
        ctx.fillStyle = t.exited === null || t.exited === undefined ? "#222" : "#888";
        ctx.fillText(`${t.tid} ${t.name || "?"}`, 6 + indent, y);
      }
      ctx.restore();
    }

    drawAxis() {
      const ctx = this.ctx, span = this.t1 - this.t0;
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, this.width, AXIS);
      ctx.fillStyle = "#ddd";
      ctx.fillRect(0, AXIS - 1, this.width, 1);
      const target = span / Math.max(2, this.plotWidth / 110);
      const power = Math.pow(10, Math.floor(Math.log10(target)));
      const step = [1, 2, 5, 10].map((k) => k * power).find((s) => s >= target) || power * 10;
      ctx.font = "11px system-ui, sans-serif";
      ctx.textBaseline = "middle";
      for (let t = Math.ceil(this.t0 / step) * step; t <= this.t1; t += step) {
        const x = this.x(t);
        if (x < LABEL_WIDTH) continue;
        ctx.fillStyle = "#bbb"; ctx.fillRect(x, AXIS - 6, 1, 6);
        ctx.fillStyle = "#444"; ctx.fillText(fmtTime(Math.abs(t) < step / 1e6 ? 0 : t), x + 3, AXIS / 2);
      }
      ctx.fillStyle = "#666";
      ctx.fillText("thread", 6, AXIS / 2);
    }

    /* Zoom and pan as a user would, timing each redraw: the smoothness figure, and a check that the
     * view moves (used by the tests through the #selftest fragment). */
    selfTest() {
      const frames = [], before = [this.t0, this.t1, this.scrollY, this.laneH];
      const step = (action) => { action(); const s = performance.now(); this.draw(); frames.push(performance.now() - s); };
      for (let i = 0; i < 10; i++) step(() => this.zoom(0.7, LABEL_WIDTH + this.plotWidth * 0.3));
      const zoomed = [this.t0, this.t1];
      for (let i = 0; i < 10; i++) step(() => this.pan(-this.plotWidth * 0.05, -this.plotHeight * 0.1));
      const panned = [this.t0, this.t1, this.scrollY];
      step(() => this.setLaneHeight(this.laneH * 40));
      for (let i = 0; i < 10; i++) step(() => this.pan(0, -this.plotHeight * 0.2));
      const taller = [this.laneH, this.scrollY];
      step(() => this.fit());
      const sorted = frames.slice().sort((a, b) => a - b);
      return {
        frames: frames.length, meanMs: frames.reduce((a, b) => a + b, 0) / frames.length,
        medianMs: sorted[sorted.length >> 1], maxMs: sorted[sorted.length - 1],
        before, zoomed, panned, taller, after: [this.t0, this.t1, this.scrollY, this.laneH],
      };
    }
  }

  return { Model, TimelineView, COLORS };
})();
