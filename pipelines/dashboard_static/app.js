// The offline dashboard: draws window.OGI_DATA (data/overview.js) and, on an agency's page, that
// agency's file (data/agency/NNNNN.js, loaded by a <script> tag: file:// pages cannot fetch).
// Every number shown is a count or sum over rows the warehouse holds; nothing is estimated.
//
// Every datum reaches the page as text: HTML is built only with the tag h`…` below, which escapes
// every interpolated value (element text and attribute values alike; every attribute is written in
// double quotes, and every link is a "#…" fragment of this page), and is put in the page only by
// setHtml(), which refuses anything else. A name, a printed cell's text or a file name that holds
// markup or script shows as it is written and never runs; the page's Content-Security-Policy
// (index.html) forbids inline script and the network besides.
"use strict";

(function () {
  const D = window.OGI_DATA;
  const app = document.getElementById("app");
  if (!D) {
    app.textContent = "找不到数据文件 data/overview.js，请重新生成看板（ogi dashboard）。";
    app.className = "error";
    return;
  }
  if (!D.meta.years.length) {
    app.textContent = "仓库中还没有任何年度报告数据。请先运行 ogi run，再生成看板。";
    app.className = "error";
    return;
  }
  const L = D.labels;
  const STATUS_ORDER = Object.keys(L.statuses);  // the template module's order
  const STATUS_COLORS = { compliant: "#2e7d32", needs_review: "#0277bd", issues: "#f9a825", late: "#ef6c00", missing: "#c62828", unregistered: "#6a1b9a" };
  const OUTCOME_ORDER = Object.keys(L.outcomes);
  const OUTCOME_COLORS = ["#1565c0", "#42a5f5", "#c62828", "#8d6e63", "#ffb300", "#78909c"];
  const LEVEL_ORDER = Object.keys(L.levels);
  const NO_PARENT = "（无上级机关）";

  // ------------------------------------------------------------ data access
  const COL = {};
  D.agency_year_columns.forEach((c, i) => { COL[c] = i; });
  const VCOL = {};
  D.volume_columns.forEach((c, i) => { VCOL[c] = i; });
  const VOLUME_LABELS = { n_reports: "报告数", new_received: "本年新收申请", total_processed: "办理结果总计",
    granted: "予以公开", review_total: "行政复议", litigation_total: "行政诉讼" };
  const TCOL = {};
  D.trend_columns.forEach((c, i) => { TCOL[c] = i; });
  const agencyByKey = new Map(D.agencies.map((a) => [a.key, a]));
  const yearsOf = new Map();  // agency key -> {year: row index}
  D.agency_years.forEach((r, i) => {
    const k = r[COL.agency];
    if (!yearsOf.has(k)) yearsOf.set(k, {});
    yearsOf.get(k)[r[COL.year]] = i;
  });
  const loaded = {};
  window.OGI_AGENCY = function (key, data) { loaded[key] = data; if (state.view === "agency" && state.key === key) render(); };

  const state = { view: "overview", key: null, year: D.meta.years[D.meta.years.length - 1], source: "all" };

  function inSource(generated) {
    return state.source === "all" || (state.source === "generated") === Boolean(generated);
  }
  function agencyRows(year) {
    const out = [];
    D.agency_years.forEach((r, i) => {
      const a = agencyByKey.get(r[COL.agency]);
      if (r[COL.year] === year && a && inSource(a.generated)) out.push({ row: r, i: i, agency: a });
    });
    return out;
  }

  // ------------------------------------------------------------ html: every value escaped
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function esc(v) {
    return String(v === null || v === undefined ? "" : v).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  }
  // Markup built by h`…`: the only kind of value interpolated without escaping, and the only kind
  // setHtml() puts in the page.
  function Html(text) { this.text = text; }
  Html.prototype.toString = function () { return this.text; };
  function part(v) {
    if (v instanceof Html) return v.text;
    if (Array.isArray(v)) return v.map(part).join("");
    return esc(v);
  }
  function h(strings, ...values) {
    let out = strings[0];
    values.forEach((v, i) => { out += part(v) + strings[i + 1]; });
    return new Html(out);
  }
  function setHtml(el, html) {
    if (!(html instanceof Html)) throw new TypeError("setHtml takes markup built by h``");
    el.innerHTML = html.text;
  }
  function num(v) { return v === null || v === undefined ? "—" : String(v); }
  function pct(part, whole) { return whole ? (100 * part / whole).toFixed(1) + "%" : "—"; }
  function sum(xs) { return xs.reduce((s, x) => s + (x || 0), 0); }
  function levelLabel(level) { return level ? (L.levels[level] || level) : "未登记"; }
  function onTimeLabel(v) { return v === true ? "是" : v === false ? "否" : "—"; }
  // "部分未识别（14 格未识别）": the read quality of a report after corrections, and its unread cells.
  function readQualityText(quality, unread) {
    if (!quality) return "—";
    return (L.read_qualities[quality] || quality) + (unread ? `（${unread} 格未识别）` : "");
  }
  function hash(view, params) {
    const q = new URLSearchParams(Object.assign({ year: state.year, source: state.source }, params || {}));
    return "#" + view + "?" + q.toString();
  }
  function statusBadge(status) {
    return status ? h`<span class="badge s-${status}">${L.statuses[status] || status}</span>` : "—";
  }
  // A colour swatch is a tiny SVG (a presentation attribute, not an inline style: the page's
  // Content-Security-Policy allows the style sheet only).
  function legend(items) {
    return h`<div class="legend">${items.map(([label, color]) =>
      h`<span><svg class="swatch" viewBox="0 0 11 11" aria-hidden="true"><rect width="11" height="11" fill="${color}"/></svg>${label}</span>`)}</div>`;
  }

  // ------------------------------------------------------------ charts (inline SVG, no library)
  function hStackChart(id, cats, order, colors, labels) {
    const rowH = 24, labelW = 230, width = 900, barW = width - labelW - 60;
    const max = Math.max(1, ...cats.map((c) => sum(order.map((k) => c.values[k]))));
    let y = 4;
    const body = [];
    cats.forEach((c) => {
      let x = labelW;
      body.push(h`<text x="${labelW - 8}" y="${y + 16}" text-anchor="end" class="axis">${c.label}</text>`);
      order.forEach((k) => {
        const v = c.values[k] || 0;
        if (!v) return;
        const w = (v / max) * barW;
        body.push(h`<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${colors[k]}"><title>${c.label} · ${labels[k]}：${v}</title></rect>`);
        x += w;
      });
      body.push(h`<text x="${(x + 6).toFixed(1)}" y="${y + 16}" class="axis">${sum(order.map((k) => c.values[k]))}</text>`);
      y += rowH;
    });
    return h`<svg id="${id}" class="chart" viewBox="0 0 ${width} ${y + 4}" role="img">${body}</svg>`;
  }

  function vBarChart(id, bars, color, title) {
    const width = 900, height = 240, top = 24, bottom = 28, left = 50;
    const max = Math.max(1, ...bars.map((b) => b.value || 0));
    const step = (width - left) / Math.max(1, bars.length), bw = Math.min(70, step * 0.6);
    const body = [h`<line x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}" class="grid"/>`];
    bars.forEach((b, i) => {
      const bh = ((b.value || 0) / max) * (height - top - bottom);
      const x = left + i * step + (step - bw) / 2, y = height - bottom - bh;
      body.push(h`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" fill="${color}"><title>${b.label}：${num(b.value)}</title></rect>`);
      body.push(h`<text x="${(x + bw / 2).toFixed(1)}" y="${(y - 6).toFixed(1)}" text-anchor="middle" class="axis">${num(b.value)}</text>`);
      body.push(h`<text x="${(x + bw / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle" class="axis">${b.label}</text>`);
    });
    return h`<svg id="${id}" class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">${body}</svg>`;
  }

  function share100Chart(id, cols, order, colors, labels) {
    const width = 900, height = 260, top = 10, bottom = 28, left = 50;
    const step = (width - left) / Math.max(1, cols.length), bw = Math.min(70, step * 0.6);
    const body = [];
    [0, 25, 50, 75, 100].forEach((p) => {
      const y = top + (1 - p / 100) * (height - top - bottom);
      body.push(h`<line x1="${left}" y1="${y}" x2="${width}" y2="${y}" class="grid"/><text x="${left - 6}" y="${y + 4}" text-anchor="end" class="axis">${p}%</text>`);
    });
    cols.forEach((c, i) => {
      const total = sum(order.map((k) => c.values[k]));
      const x = left + i * step + (step - bw) / 2;
      let y = height - bottom;
      order.forEach((k, j) => {
        const v = c.values[k] || 0;
        if (!total || !v) return;
        const bh = (v / total) * (height - top - bottom);
        y -= bh;
        body.push(h`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" fill="${colors[j]}"><title>${c.label} · ${labels[k]}：${v}（${pct(v, total)}）</title></rect>`);
      });
      body.push(h`<text x="${(x + bw / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle" class="axis">${c.label}</text>`);
    });
    return h`<svg id="${id}" class="chart" viewBox="0 0 ${width} ${height}" role="img">${body}</svg>`;
  }

  // ------------------------------------------------------------ overview
  // Items folded into one object per group (add(acc, item)), as categories in display order.
  function grouped(items, groupOf, add, groupOrder, groupLabel) {
    const groups = new Map();
    items.forEach((x) => {
      const g = groupOf(x);
      if (!groups.has(g)) groups.set(g, {});
      add(groups.get(g), x);
    });
    return [...groups.keys()]
      .sort((a, b) => groupOrder(a) - groupOrder(b) || String(groupLabel(a)).localeCompare(String(groupLabel(b)), "zh"))
      .map((g) => ({ key: g, label: groupLabel(g), values: groups.get(g) }));
  }
  // Sums of the named measures of array rows (columns by name in col), nulls skipped.
  function addMeasures(measures, col) {
    return (acc, r) => measures.forEach((m) => { if (r[col[m]] !== null && r[col[m]] !== undefined) acc[m] = (acc[m] || 0) + r[col[m]]; });
  }

  function statusCounts(rows, groupOf, groupOrder, groupLabel) {
    return grouped(rows, groupOf, (c, x) => { const s = x.row[COL.status]; c[s] = (c[s] || 0) + 1; }, groupOrder, groupLabel);
  }

  function statusTable(id, firstHeader, cats, dataAttr) {
    const head = h`<tr><th>${firstHeader}</th>${STATUS_ORDER.map((s) => h`<th>${L.statuses[s]}</th>`)}<th>合计</th></tr>`;
    const link = (c, status, n) => n ? h`<a href="${hash("agencies", Object.assign({ [dataAttr]: c.key || "-" }, status ? { status: status } : {}))}">${n}</a>` : "0";
    const body = cats.map((c) => h`<tr data-${dataAttr}="${c.key}"><th scope="row">${c.label}</th>${
      STATUS_ORDER.map((s) => h`<td class="n" data-status="${s}">${link(c, s, c.values[s] || 0)}</td>`)}<td class="n" data-status="total">${
      link(c, "", sum(STATUS_ORDER.map((s) => c.values[s])))}</td></tr>`);
    return h`<table id="${id}" class="data"><thead>${head}</thead><tbody>${body}</tbody></table>`;
  }

  function trendColumns() {
    return grouped(D.trend.filter((r) => inSource(r[TCOL.generated])), (r) => r[TCOL.year],
      addMeasures(D.trend_columns.slice(2), TCOL), (y) => y, String)
      .map((c) => ({ label: c.label, year: c.key, values: c.values }));
  }

  function renderOverview() {
    const rows = agencyRows(state.year);
    const count = (f) => rows.filter(f).length;
    const kpis = [
      ["expected", "应公开机关", count((x) => x.row[COL.expected])],
      ["found", "已公开报告", count((x) => x.row[COL.found])],
      ["on_time", "按时公开", count((x) => x.row[COL.on_time] === true)],
      ["late", "逾期公开", count((x) => x.row[COL.on_time] === false)],
      ["missing", "未公开", count((x) => x.row[COL.status] === "missing")],
      ["needs_review", L.statuses.needs_review, count((x) => x.row[COL.status] === "needs_review")],
      ["issues", "报告存在问题", count((x) => x.row[COL.status] === "issues")],
      ["findings", "发现问题（条）", sum(rows.map((x) => x.row[COL.findings]))],
    ];
    const parts = [];
    parts.push(h`<h2>${state.year} 年度合规概览</h2><div class="kpis">${kpis.map(([k, label, n]) =>
      h`<a class="kpi" data-kpi="${k}" href="${hash("agencies", ["missing", "needs_review", "issues"].includes(k) ? { status: k } : {})}"><span class="n">${n}</span><span class="l">${label}</span></a>`)}</div>`);

    const statusLegend = legend(STATUS_ORDER.map((s) => [L.statuses[s], STATUS_COLORS[s]]));
    const byLevel = statusCounts(rows, (x) => x.agency.level || "", (g) => (LEVEL_ORDER.indexOf(g) + 100) % 100, levelLabel);
    parts.push(h`<section><h3>按机关层级</h3>${statusLegend}${hStackChart("chart-level", byLevel, STATUS_ORDER, STATUS_COLORS, L.statuses)}${
      statusTable("by-level", "层级", byLevel, "level")}</section>`);

    const regionName = (g) => {
      if (!g) return NO_PARENT;
      const a = agencyByKey.get(g);
      return a ? a.name : g;
    };
    const regionOrder = (g) => {
      const a = agencyByKey.get(g);
      return g ? (a ? LEVEL_ORDER.indexOf(a.level) : 50) : -1;
    };
    const byRegion = statusCounts(rows, (x) => x.agency.region || "", regionOrder, regionName);
    parts.push(h`<section><h3>按所属上级机关（地区）</h3>${statusLegend}${hStackChart("chart-region", byRegion, STATUS_ORDER, STATUS_COLORS, L.statuses)}${
      statusTable("by-region", "所属上级机关", byRegion, "region")}</section>`);

    const volumes = (rowsOf, groupLabel, groupOrder) => grouped(
      rowsOf.filter((r) => r[VCOL.year] === state.year && inSource(r[VCOL.generated])), (r) => r[VCOL.group] || "",
      addMeasures(D.volume_columns.slice(3), VCOL), groupOrder, groupLabel);
    const volumeTable = (id, firstHeader, cats, dataAttr) => {
      const measures = D.volume_columns.slice(3);
      return h`<table id="${id}" class="data"><thead><tr><th>${firstHeader}</th>${
        measures.map((m) => h`<th>${VOLUME_LABELS[m] || m}</th>`)}<th>予以公开占比</th></tr></thead><tbody>${
        cats.map((c) => h`<tr data-${dataAttr}="${c.key}"><th scope="row">${c.label}</th>${
          measures.map((m) => h`<td class="n" data-measure="${m}">${num(c.values[m])}</td>`)}<td class="n">${
          pct(c.values.granted || 0, c.values.total_processed)}</td></tr>`)}</tbody></table>`;
    };
    const levelVolumes = volumes(D.by_level_volumes, levelLabel, (g) => (LEVEL_ORDER.indexOf(g) + 100) % 100);
    const regionVolumes = volumes(D.by_region_volumes, regionName, regionOrder);
    parts.push(h`<section><h3>${state.year} 年度申请量（按层级、按所属上级机关）</h3>${
      hStackChart("chart-region-requests", regionVolumes.map((c) => ({ key: c.key, label: c.label, values: { n: c.values.new_received || 0 } })),
        ["n"], { n: "#1565c0" }, { n: "本年新收申请" })}<p class="caption">各机关报告第三部分数字之和（marts.rollup_by_level、marts.rollup_by_region；上级机关本级的报告不计入其下属机关之和）</p>${
      volumeTable("volumes-by-level", "层级", levelVolumes, "level")}${
      volumeTable("volumes-by-region", "所属上级机关", regionVolumes, "region")}</section>`);

    const ruleCounts = D.finding_rules.map((r, j) => ({
      key: r, label: r,
      values: { n: sum(rows.map((x) => D.findings_by_rule[x.i][j])) },
    })).filter((c) => c.values.n > 0);
    parts.push(h`<section><h3>问题按规则</h3>${ruleCounts.length
      ? h`${hStackChart("chart-rules", ruleCounts, ["n"], { n: "#5c6bc0" }, { n: "问题数" })}<table id="by-rule" class="data"><thead><tr><th>规则</th><th>说明</th><th>问题数</th></tr></thead><tbody>${
        ruleCounts.map((c) => h`<tr data-rule="${c.key}"><th scope="row">${c.key}</th><td>${L.rules[c.key] ? L.rules[c.key].text : ""}</td><td class="n">${c.values.n}</td></tr>`)}</tbody></table>`
      : h`<p class="ok">本年度没有发现问题。</p>`}</section>`);

    const cols = trendColumns();
    parts.push(h`<section><h3>历年申请量与办理结果（全部年度）</h3>${
      vBarChart("chart-requests", cols.map((c) => ({ label: c.label, value: c.values.new_received })), "#1565c0", "本年新收申请")}<p class="caption">本年新收政府信息公开申请数量（各报告第三部分“一、本年新收政府信息公开申请数量”总计之和）</p>${
      legend(OUTCOME_ORDER.map((k, j) => [L.outcomes[k], OUTCOME_COLORS[j]]))}${
      share100Chart("chart-outcomes", cols, OUTCOME_ORDER, OUTCOME_COLORS, L.outcomes)}<p class="caption">办理结果构成（第三部分（一）至（六）各项总计之和的占比）</p><table id="trend" class="data"><thead><tr><th>指标</th>${
      cols.map((c) => h`<th data-year="${c.year}">${c.year}</th>`)}</tr></thead><tbody>${
      D.trend_columns.slice(2).map((m) => h`<tr data-measure="${m}"><th scope="row">${L.trend[m] || m}</th>${
        cols.map((c) => h`<td class="n" data-year="${c.year}">${num(c.values[m])}</td>`)}</tr>`)}</tbody></table></section>`);
    parts.push(collectionSection());
    setHtml(app, h`${parts}`);
  }

  // 收集进度: who has published the latest season's report on its website so far, and who has not.
  const SOURCE_LABELS = { publications_csv: "人工登记", printed: "页面发布时间", list_page: "栏目列表日期", first_seen: "首次发现" };
  function collectionSection() {
    const all = (D.collection || { rows: [] }).rows;
    if (!all.length) return h``;
    const years = all.map((r) => r[2]);
    const year = years.includes(state.year) ? state.year : Math.max(...years);
    const c = { rows: all.filter((r) => r[2] === year) };
    const done = c.rows.filter((r) => r[3]).length;
    return h`<section id="collection"><h2>收集进度（${year} 年度报告，${year + 1} 年公开季）</h2><p>已在网站发现 ${done} 家，尚未发现 ${
      c.rows.length - done} 家。</p><table class="data"><thead><tr><th>机关</th><th>是否已发现</th><th>首次发现时间</th><th>发布日期</th><th>日期来源</th></tr></thead><tbody>${
      c.rows.map((r) => h`<tr data-agency="${r[0]}" data-published="${r[3] ? "yes" : "no"}"><td>${r[1]}</td><td>${r[3] ? "已发现" : "尚未发现"}</td><td>${
        r[4] || "—"}</td><td>${r[5] || "—"}</td><td>${SOURCE_LABELS[r[6]] || r[6] || "—"}</td></tr>`)}</tbody></table></section>`;
  }

  // ------------------------------------------------------------ agency list
  const SORTS = {
    "": (a, b) => 0,
    name: (a, b) => a.agency.name.localeCompare(b.agency.name, "zh"),
    published: (a, b) => String(a.row[COL.published] || "9999").localeCompare(String(b.row[COL.published] || "9999")),
    findings: (a, b) => (b.row[COL.findings] || 0) - (a.row[COL.findings] || 0),
  };

  function renderAgencies(params) {
    const rows = agencyRows(state.year);
    const q = (params.get("q") || "").trim();
    const level = params.get("level") || "";
    const region = params.get("region") || "";
    const status = params.get("status") || "";
    const sort = SORTS[params.get("sort") || ""] ? (params.get("sort") || "") : "";
    const shown = rows.filter((x) => (!q || x.agency.name.includes(q) || (x.agency.id || "").includes(q)) &&
      (!level || (x.agency.level || "-") === level) && (!region || (x.agency.region || "-") === region) &&
      (!status || x.row[COL.status] === status));
    shown.sort(SORTS[sort]);  // stable: ties keep the registry order (level, then id)
    const years = D.meta.years;
    const option = (value, label, current) => h`<option value="${value}"${value === current ? h` selected` : ""}>${label}</option>`;
    const levelOpts = [option("", "全部层级", level)].concat(LEVEL_ORDER.map((k) => option(k, L.levels[k], level)),
      rows.some((x) => !x.agency.level) ? [option("-", "未登记", level)] : []);
    const regions = [...new Set(rows.map((x) => x.agency.region || "-"))].sort((a, b) =>
      (a === "-" ? "" : (agencyByKey.get(a) || { name: a }).name).localeCompare(b === "-" ? "" : (agencyByKey.get(b) || { name: b }).name, "zh"));
    const regionOpts = [option("", "全部上级机关", region)].concat(regions.map((k) =>
      option(k, k === "-" ? NO_PARENT : (agencyByKey.get(k) || { name: k }).name, region)));
    const statusOpts = [option("", "全部状态", status)].concat(STATUS_ORDER.map((k) => option(k, L.statuses[k], status)));
    const sortOpts = [["", "按层级排序"], ["name", "按名称排序"], ["published", "按发布日期排序"], ["findings", "按问题数排序"]]
      .map(([k, label]) => option(k, label, sort));
    const body = shown.map((x) => {
      const a = x.agency, r = x.row;
      const history = years.map((y) => {
        const i = (yearsOf.get(a.key) || {})[y];
        const s = i === undefined ? "" : D.agency_years[i][COL.status];
        return h`<i class="dot s-${s || "none"}" title="${y}：${s ? L.statuses[s] : "不在名录"}"></i>`;
      });
      return h`<tr data-agency="${a.key}"><td><a href="${hash("agency/" + encodeURIComponent(a.key))}">${a.name}</a></td><td>${
        a.id || ""}</td><td>${levelLabel(a.level)}</td><td>${a.region_name || ""}</td><td data-status="${r[COL.status]}">${
        statusBadge(r[COL.status])}</td><td>${onTimeLabel(r[COL.on_time])}</td><td>${r[COL.published] || ""}</td><td class="n" data-findings>${
        r[COL.findings] || 0}</td><td class="history">${history}</td></tr>`;
    });
    setHtml(app, h`<h2>${state.year} 年度机关列表</h2><form id="filters" class="filters"><input id="q" type="search" placeholder="按名称或编号查找" value="${q}"><select id="level-filter">${
      levelOpts}</select><select id="region-filter">${regionOpts}</select><select id="status-filter">${statusOpts}</select><select id="sort">${
      sortOpts}</select><span id="count">共 ${shown.length} 个机关</span></form><table id="agencies" class="data"><thead><tr><th>机关名称</th><th>编号</th><th>层级</th><th>所属上级机关</th><th>状态</th><th>按时公开</th><th>发布日期</th><th>问题数</th><th>历年状态（${
      years[0]}–${years[years.length - 1]}）</th></tr></thead><tbody>${body}</tbody></table>`);
    const update = () => {
      const value = (id) => document.getElementById(id).value;
      const next = { q: value("q"), level: value("level-filter"), region: value("region-filter"),
        status: value("status-filter"), sort: value("sort") };
      Object.keys(next).forEach((k) => { if (!next[k]) delete next[k]; });
      location.hash = hash("agencies", next);
    };
    document.getElementById("filters").addEventListener("submit", (e) => { e.preventDefault(); update(); });
    ["q", "level-filter", "region-filter", "status-filter", "sort"].forEach((id) =>
      document.getElementById(id).addEventListener("change", update));
  }

  // ------------------------------------------------------------ agency page
  function cellHtml(cell, column, flagged) {
    if (!cell) return h`<td data-column="${column}" class="cell absent" data-cell-status="absent" title="报告未列出">—</td>`;
    const [value, status, raw, where, correction] = cell;
    const printed = raw !== null && raw !== undefined ? `原文“${raw}”` : "";
    let title = [L.cell_statuses[status] || status, printed, where || ""].filter(Boolean).join(" · ");
    if (correction) {  // [parsed status, corrected by, corrected at, note]
      const [parsedStatus, by, at, note] = correction;
      title = [`${L.cell_statuses[status]}：${value === null ? "空白" : num(value)}`,
        `原识别：${L.cell_statuses[parsedStatus] || parsedStatus || "—"}${printed ? "，" + printed : ""}`,
        `核对人 ${by || "—"}，${at || ""}`, note ? `备注：${note}` : "", where || ""].filter(Boolean).join(" · ");
    }
    const text = status === "value" || status === "placed" ? num(value) : status === "inferred" ? `${num(value)}*` :
      status === "corrected" ? (value === null ? "（空）" : num(value)) :
      status === "blank" ? "（空）" : status === "unreadable" ? "？" : "—";
    return h`<td data-column="${column}" class="cell ${status}${flagged ? " flagged" : ""}" data-cell-status="${status}" title="${title}">${text}</td>`;
  }

  function reportTables(report, flaggedSet) {
    const layout = D.templates[report.template];
    if (!layout) return h`<p class="error">未知模板：${report.template}</p>`;
    const cells = report.cells || {};
    const parts = [];
    ["proactive", "requests", "review_litigation"].forEach((tk) => {
      const table = layout.tables[tk];
      const tcells = cells[tk] || {};
      parts.push(h`<h4>${table.label}</h4>`);
      // Rows sharing the same columns form one block with one header (section 二 has several).
      const blocks = [];
      table.rows.forEach((r) => {
        const sig = r.columns.map((c) => c[0]).join("|");
        if (!blocks.length || blocks[blocks.length - 1].sig !== sig) blocks.push({ sig: sig, columns: r.columns, rows: [] });
        blocks[blocks.length - 1].rows.push(r);
      });
      blocks.forEach((b) => {
        parts.push(h`<table class="data report" data-table="${tk}"><thead><tr><th>项目</th>${
          b.columns.map((c) => h`<th data-column="${c[0]}">${c[1]}</th>`)}</tr></thead><tbody>${
          b.rows.map((r) => h`<tr data-row="${r.key}"><th scope="row">${r.label}</th>${r.columns.map((c) =>
            cellHtml((tcells[r.key] || {})[c[0]], c[0], flaggedSet.has(`${tk}|${r.key}|${c[0]}`)))}</tr>`)}</tbody></table>`);
      });
    });
    return h`${parts}`;
  }

  // The current report's unread cells (待人工核对), each beside its crop when OCR read it: the cell
  // cut from the page as the OCR read it (data/crops/N.png, a name the build gives), so a person
  // reads the number and types it into the workbook's 待人工核对 sheet (ogi corrections import).
  function reviewList(review) {
    if (!review.length) return "";
    return h`<h3>待人工核对（${review.length} 格）</h3><p class="caption">截图为扫描件中该格（按 OCR 读取时转正的页面裁切）；请对照截图在工作簿“待人工核对”表中填写数值，再导入（ogi corrections import）。</p><table id="review" class="data"><thead><tr><th>表</th><th>行</th><th>列</th><th>截图</th><th>OCR 原文</th><th>位置</th></tr></thead><tbody>${
      review.map((c) => h`<tr data-keys="${c.keys.join("|")}"><td>${c.table}</td><td>${c.row}</td><td>${c.column}</td><td>${
        c.crop ? h`<img class="crop" src="${c.crop}" alt="${c.row} ${c.column}">` : h`<small class="no-crop">${c.no_crop || ""}</small>`}</td><td>${
        c.raw === null || c.raw === undefined ? "" : c.raw}</td><td><small>${c.where || ""}</small></td></tr>`)}</tbody></table>`;
  }

  function renderAgency(params) {
    const a = agencyByKey.get(state.key);
    if (!a) { setHtml(app, h`<p class="error">找不到机关：${state.key}</p>`); return; }
    const data = loaded[a.key];
    if (!data) {
      setHtml(app, h`<p class="loading">正在加载 ${a.name} 的数据……</p>`);
      if (!document.querySelector(`script[data-agency="${CSS.escape(a.key)}"]`)) {
        const s = document.createElement("script");
        s.src = a.file;  // data/agency/NNNNN.js, a name the build gives (never a warehouse value)
        s.dataset.agency = a.key;
        s.onerror = () => { setHtml(app, h`<p class="error">无法读取机关数据文件 ${a.file}，请重新生成看板。</p>`); };
        document.body.appendChild(s);
      }
      return;
    }
    const years = Object.keys(yearsOf.get(a.key) || {}).map(Number).concat(data.reports.map((r) => r.year));
    const allYears = [...new Set(years)].sort();
    const year = Number(params.get("year")) && allYears.includes(Number(params.get("year"))) ? Number(params.get("year")) : allYears[allYears.length - 1];
    const pageOf = (y) => hash("agency/" + encodeURIComponent(a.key), { year: y });
    const parts = [];
    parts.push(h`<p><a href="${hash("agencies")}">← 返回机关列表</a></p><h2 id="agency-name">${a.name}</h2><dl class="facts"><dt>编号</dt><dd>${
      a.id || "未登记"}</dd><dt>层级</dt><dd>${levelLabel(a.level)}</dd><dt>所属上级机关</dt><dd>${
      a.registered ? (a.region_name || NO_PARENT) : "未登记"}</dd><dt>数据来源</dt><dd>${a.generated ? "演示数据（生成）" : "真实报告"}</dd></dl>`);

    parts.push(h`<h3>历年情况</h3><table id="agency-years" class="data"><thead><tr><th>年度</th><th>状态</th><th>发布日期</th><th>截止日期</th><th>按时公开</th><th>版本数</th><th>模板</th><th>完整度</th><th>读取情况</th><th>问题数</th></tr></thead><tbody>${
      allYears.map((y) => {
        const i = (yearsOf.get(a.key) || {})[y];
        const r = i === undefined ? null : D.agency_years[i];
        const selected = y === year ? "selected" : "";
        if (!r) return h`<tr data-year="${y}" class="${selected}"><td><a href="${pageOf(y)}">${y}</a></td><td colspan="9">不在应公开名录中</td></tr>`;
        return h`<tr data-year="${y}" class="${selected}"><td><a href="${pageOf(y)}">${y}</a></td><td>${statusBadge(r[COL.status])}</td><td>${
          r[COL.published] || ""}</td><td>${r[COL.deadline] || ""}</td><td>${onTimeLabel(r[COL.on_time])}${
          r[COL.days_late] > 0 ? `（逾期 ${r[COL.days_late]} 天）` : ""}</td><td class="n">${r[COL.versions] || 0}</td><td>${
          r[COL.template] || ""}</td><td class="n">${r[COL.completeness] === null ? "—" : pct(r[COL.completeness], 1)}</td><td data-read-quality="${
          r[COL.read_quality] || ""}">${readQualityText(r[COL.read_quality], r[COL.unread])}</td><td class="n" data-findings>${r[COL.findings] || 0}</td></tr>`;
      })}</tbody></table>`);

    const reports = data.reports.filter((r) => r.year === year);
    parts.push(h`<h3>${year} 年度报告版本</h3>${reports.length
      ? h`<table id="versions" class="data"><thead><tr><th>版本</th><th>文件</th><th>格式</th><th>发布日期</th><th>模板</th><th>解析警告</th><th>读取情况</th><th>报告所署机关名称</th></tr></thead><tbody>${
        reports.map((r) => h`<tr data-version="${r.version}"><td>${r.version}/${r.n_versions}${r.current ? "（现行）" : "（已更正）"}</td><td>${
          r.file}</td><td>${r.format}</td><td>${r.published || ""}</td><td>${r.template}</td><td class="n">${r.warnings || 0}</td><td data-read-quality="${
          r.read_quality || ""}">${readQualityText(r.read_quality, r.unread)}</td><td>${r.printed_name || ""}</td></tr>`)}</tbody></table>`
      : h`<p class="missing">本年度没有找到报告。</p>`}`);

    const found = data.findings.filter((f) => f.year === year);
    parts.push(h`<h3>${year} 年度发现的问题（${found.length} 条）</h3>${found.length
      ? h`<table id="findings" class="data"><thead><tr><th>版本</th><th>规则</th><th>表</th><th>行</th><th>列</th><th>应为</th><th>报告数</th><th>规则说明</th></tr></thead><tbody>${
        found.map((f) => h`<tr data-rule="${f.rule}"><td>${f.version || ""}</td><td>${f.rule}</td><td>${f.table}</td><td>${f.row}</td><td>${
          f.column}</td><td class="n">${num(f.expected)}</td><td class="n">${num(f.actual)}</td><td>${f.text}${
          f.detail ? h`<br><small>${f.detail}</small>` : ""}</td></tr>`)}</tbody></table>`
      : h`<p class="ok">没有发现问题。</p>`}`);

    const current = reports.find((r) => r.current);
    if (current && current.cells) {
      const flagged = new Set(found.filter((f) => f.report_id === current.report_id && f.keys)
        .map((f) => f.keys.join("|")));
      const review = current.read_quality && current.read_quality !== "complete";
      parts.push(h`<h3>${year} 年度报告表格（现行版本，${current.template} 年模板）</h3><p id="read-quality" class="${review ? "needs-review" : "ok"}" data-read-quality="${
        current.read_quality || ""}" data-unread="${current.unread || 0}" data-corrected="${current.corrected || 0}">读取情况：${
        L.read_qualities[current.read_quality] || "—"}，未识别 <b>${current.unread || 0}</b> 格，人工核对 <b>${current.corrected || 0}</b> 格${
        review ? "。未识别的格子待人工核对：导出工作簿（ogi export）填写“待人工核对”表后导入（ogi corrections import）。" : "。"}</p><p class="caption">“（空）”为报告留空的格子，“—”为报告未列出，“？”为无法识别，“*”为推定值；蓝底为按顺序放置（经勾稽关系确认）的数字，绿底为人工核对值；红框为问题所在的格子。鼠标悬停可见原文、位置与核对人。</p><div id="report-tables">${
        reportTables(current, flagged)}</div>`);
      parts.push(reviewList(current.review || []));
    }
    setHtml(app, h`${parts}`);
  }

  // ------------------------------------------------------------ routing
  function render() {
    document.getElementById("nav-overview").classList.toggle("active", state.view === "overview");
    document.getElementById("nav-agencies").classList.toggle("active", state.view !== "overview");
    const params = new URLSearchParams((location.hash.split("?")[1]) || "");
    if (state.view === "agencies") renderAgencies(params);
    else if (state.view === "agency") renderAgency(params);
    else renderOverview();
  }

  function route() {
    const [path, query] = location.hash.replace(/^#/, "").split("?");
    const params = new URLSearchParams(query || "");
    const y = Number(params.get("year"));
    if (D.meta.years.includes(y)) state.year = y;
    const src = params.get("source");
    if (src && L.sources[src]) state.source = src;
    const parts = (path || "overview").split("/");
    state.view = parts[0] === "agencies" ? "agencies" : parts[0] === "agency" ? "agency" : "overview";
    state.key = state.view === "agency" ? decodeURIComponent(parts.slice(1).join("/")) : null;
    document.getElementById("year").value = String(state.year);
    document.getElementById("source").value = state.source;
    render();
    window.scrollTo(0, 0);
  }

  const yearSel = document.getElementById("year");
  setHtml(yearSel, h`${D.meta.years.slice().reverse().map((y) => h`<option value="${y}">${y}</option>`)}`);
  const srcSel = document.getElementById("source");
  setHtml(srcSel, h`${Object.keys(L.sources).map((k) => h`<option value="${k}">${L.sources[k]}</option>`)}`);
  if (!(D.meta.has_real && D.meta.has_generated)) document.getElementById("source-label").hidden = true;
  const reroute = () => {
    state.year = Number(yearSel.value);
    state.source = srcSel.value;
    const view = state.view === "agency" ? "agency/" + encodeURIComponent(state.key) : state.view;
    location.hash = hash(view, state.view === "agency" ? { year: state.year } : {});
  };
  yearSel.addEventListener("change", reroute);
  srcSel.addEventListener("change", reroute);
  document.getElementById("meta").textContent =
    `生成时间 ${D.meta.generated_at} · 解析器版本 ${D.meta.parser_version} · ${D.agencies.length} 个机关 · ` +
    `${D.meta.years[0]}–${D.meta.years[D.meta.years.length - 1]} 年度`;
  window.addEventListener("hashchange", route);
  route();
})();
