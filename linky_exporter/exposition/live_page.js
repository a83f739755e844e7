"use strict";
// The live page: fetches /api/live every few seconds and draws one card per meter.
// No framework, nothing from another host; every value the meter did not send is "—".
(function () {
  const REFRESH_MS = 5000;
  const root = document.getElementById("meters");
  const stamp = document.getElementById("updated");
  const SVG = "http://www.w3.org/2000/svg";

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function fmt(value, digits, unit) {
    if (value === null || value === undefined) return "—";
    return value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits }) + (unit ? " " + unit : "");
  }

  // A value shown formatted, with the exact number in data-value (what the tests compare).
  function val(field, value, digits, unit) {
    const attrs = { class: "v", "data-field": field, text: fmt(value, digits, unit) };
    if (value !== null && value !== undefined) attrs["data-value"] = String(value);
    return el("span", attrs);
  }

  function row(label, ...values) {
    return el("tr", {}, [el("th", { text: label }), ...values.map((v) => el("td", {}, [v]))]);
  }

  function time(unix) {
    return new Date(unix * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function powerSection(meter) {
    const rows = [];
    for (const [direction, label] of [["import", "drawn"], ["export", "injected"]]) {
      const p = meter.power[direction];
      if (!p) continue;
      rows.push(row(label, val(`power.${direction}.w`, p.w, 0, "W"), val(`power.${direction}.va`, p.va, 0, "VA"),
        val(`power.${direction}.power_factor`, p.power_factor, 2, "")));
    }
    if (!rows.length) rows.push(el("tr", {}, [el("td", { colspan: "4", text: "no power value yet" })]));
    return el("section", {}, [el("h3", { text: "Power now" }),
      el("table", {}, [el("tr", {}, [el("th"), el("th", { text: "active" }), el("th", { text: "apparent" }), el("th", { text: "power factor" })]), ...rows])]);
  }

  function subscriptionSection(meter) {
    const s = meter.subscription;
    const used = s.reference_va && meter.power.import && meter.power.import.va !== null ? meter.power.import.va / s.reference_va : null;
    const bar = el("div", { class: "bar", role: "img", "aria-label": used === null ? "unknown" : Math.round(used * 100) + " % of the subscribed power" });
    const fill = el("div", { class: "fill" + (used !== null && used > 0.9 ? " high" : "") });
    if (used !== null) fill.style.width = Math.min(100, used * 100).toFixed(1) + "%";
    bar.appendChild(fill);
    const rows = [
      row("subscribed", val("subscription.reference_va", s.reference_va, 0, "VA")),
      row("headroom", val("subscription.headroom_va", s.headroom_va, 0, "VA")),
    ];
    if (s.current_a_per_phase !== null) rows.push(row("current per phase", val("subscription.current_a_per_phase", s.current_a_per_phase, 0, "A")));
    if (s.exceeded !== null) rows.push(row("exceeded", el("span", { "data-field": "subscription.exceeded", "data-value": String(s.exceeded), text: s.exceeded ? "yes" : "no" })));
    if (s.breaker !== null) rows.push(row("breaker", el("span", { "data-field": "subscription.breaker", "data-value": s.breaker, class: s.breaker === "closed" ? "" : "alert", text: s.breaker.replace(/_/g, " ") })));
    return el("section", {}, [el("h3", { text: "Subscribed power" }), bar, el("table", {}, rows)]);
  }

  function phaseSection(meter) {
    if (meter.phase.length < 2) return null;
    const head = el("tr", {}, ["phase", "current", "voltage", "apparent"].map((t) => el("th", { text: t })));
    const rows = meter.phase.map((p) => el("tr", {}, [el("th", { text: String(p.phase) }),
      el("td", {}, [val(`phase.${p.phase}.current_a`, p.current_a, 0, "A")]),
      el("td", {}, [val(`phase.${p.phase}.voltage_v`, p.voltage_v, 0, "V")]),
      el("td", {}, [val(`phase.${p.phase}.va`, p.va, 0, "VA")])]));
    return el("section", {}, [el("h3", { text: "Phases" }), el("table", {}, [head, ...rows])]);
  }

  function tariffSection(meter) {
    const t = meter.tariff;
    const rows = [row("period now", el("span", { "data-field": "tariff.name", text: t.name || (t.index !== null ? "index " + t.index : "—") }))];
    const tempo = (meter.tariff_option || "").toUpperCase().includes("TEMPO") || [t.tempo_today, t.tempo_tomorrow].some((c) => c && c !== "unknown");
    for (const [key, label] of [["tempo_today", "Tempo today"], ["tempo_tomorrow", "Tempo tomorrow"]]) {
      if (tempo && t[key] !== null) rows.push(row(label, el("span", { class: "tempo " + t[key], "data-field": "tariff." + key, "data-value": t[key], text: t[key] })));
    }
    const ejp = (meter.tariff_option || "").includes("EJP") || t.mobile_peak_notice || t.mobile_peak_active;
    if (ejp && t.mobile_peak_notice !== null) rows.push(row("EJP notice", el("span", { "data-field": "tariff.mobile_peak_notice", "data-value": String(t.mobile_peak_notice), text: t.mobile_peak_notice ? "peak coming" : "none" })));
    if (ejp && t.mobile_peak_active !== null) rows.push(row("EJP peak", el("span", { "data-field": "tariff.mobile_peak_active", "data-value": String(t.mobile_peak_active), text: t.mobile_peak_active ? "now" : "no" })));
    return el("section", {}, [el("h3", { text: "Tariff" }), el("table", {}, rows)]);
  }

  function todaySection(meter) {
    const d = meter.today;
    const since = d.since === null ? "no frame yet" : d.complete ? "since midnight" : "since " + time(d.since);
    // An index the meter does not name and that counted nothing today is not worth a row.
    const rows = d.by_index.filter((i) => i.name || i.wh).map((i) => row(i.name || "index " + i.index, val(`today.index.${i.index}.wh`, i.wh === null ? null : i.wh / 1000, 3, "kWh"),
      val(`today.index.${i.index}.euros`, i.euros, 2, "€")));
    if (d.imported_wh !== null) rows.push(row("drawn", val("today.imported_wh", d.imported_wh / 1000, 3, "kWh"), el("span")));
    if (d.exported_wh !== null) rows.push(row("injected", val("today.exported_wh", d.exported_wh / 1000, 3, "kWh"), el("span")));
    if (d.subscription_euros !== null) rows.push(row("subscription", el("span"), val("today.subscription_euros", d.subscription_euros, 2, "€")));
    rows.push(row("cost", el("span"), val("today.euros", d.euros, 2, "€")));
    return el("section", {}, [el("h3", { text: "Today, " + since }), el("table", {}, rows)]);
  }

  function curve(meter) {
    const h = meter.history;
    const series = h.import_w ? [["import_w", "drawn W"]] : h.import_va ? [["import_va", "drawn VA"]] : [];
    if (h.export_va) series.push(["export_va", "injected VA"]);
    const length = series.length ? h[series[0][0]].length : 0;
    const offset = 1440 - length;  // the series run from h.start to now: the curve ends at the right edge
    const all = series.flatMap(([key]) => h[key]).filter((v) => v !== null);
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 1440 200");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("class", "curve");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "power over the last 24 hours");
    const top = Math.max(100, ...all);
    for (const [key] of series) {
      let path = "";
      h[key].forEach((v, i) => {
        if (v === null) return;
        path += (path && h[key][i - 1] !== null ? " L" : " M") + (offset + i) + " " + (200 - (v / top) * 195).toFixed(1);
      });
      const line = document.createElementNS(SVG, "path");
      line.setAttribute("d", path.trim() || "M0 200");
      line.setAttribute("class", "line " + key);
      svg.appendChild(line);
    }
    const legend = el("p", { class: "legend", text: (series.length ? series.map(([, label]) => label).join(" · ") + " · " : "") + "last 24 h, top " + fmt(top, 0, "") + (all.length ? "" : " · no point yet") });
    return el("section", {}, [el("h3", { text: "Last 24 hours" }), svg, legend]);
  }

  function card(meter) {
    const state = meter.up ? "up" : "down";
    const header = el("header", {}, [
      el("h2", { text: meter.meter }),
      meter.simulated ? el("span", { class: "badge sim", "data-field": "simulated", text: "SIMULATED meter — not real data" }) : null,
      el("span", { class: "badge " + state, "data-field": "up", "data-value": String(meter.up), text: state }),
    ]);
    const about = el("p", { class: "about", text: [meter.mode || "mode not detected yet", meter.tariff_option, meter.phases ? meter.phases + " phase" + (meter.phases > 1 ? "s" : "") : null, meter.serial ? "serial " + meter.serial : null].filter(Boolean).join(" · ") });
    const src = meter.source;
    const health = el("p", { class: "about", text: "last frame " + (meter.last_frame_age_s === null ? "never" : meter.last_frame_age_s + " s ago") + " · source " + (src.connected ? "open" : "NOT open") + " · " + src.valid_frames + " frames, " + src.group_errors + " group errors, " + src.reconnects + " reconnections" });
    return el("article", { class: "card", "data-meter": meter.meter }, [header, about, powerSection(meter), subscriptionSection(meter), phaseSection(meter), tariffSection(meter), todaySection(meter), curve(meter), health]);
  }

  let refreshes = 0;
  async function refresh() {
    try {
      const response = await fetch("api/live", { cache: "no-store", credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const doc = await response.json();
      root.replaceChildren(...doc.meters.map(card));
      refreshes += 1;
      stamp.textContent = "updated " + new Date(doc.generated_at * 1000).toLocaleTimeString();
      stamp.setAttribute("data-refreshes", String(refreshes));
      stamp.setAttribute("data-generated-at", String(doc.generated_at));
      stamp.classList.remove("alert");
    } catch (error) {
      stamp.textContent = "cannot refresh: " + error.message + " (showing the last values)";
      stamp.classList.add("alert");
    }
  }
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
