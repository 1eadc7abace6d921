// Shared helpers for every page: calling the API, loading states, errors in place, formatting,
// charts. Pages call these; no number is computed here, only formatted.
"use strict";

const ff = {
  async api(path, options = {}) {
    const headers = { "Content-Type": "application/json", ...(options.headers || {}) };
    const key = sessionStorage.getItem("flopfolio-key");
    if (key) headers["X-API-Key"] = key;
    let response;
    try {
      response = await fetch(path, { ...options, headers });
    } catch (err) {
      throw new Error("The server did not answer. Is `flopfolio serve` still running?");
    }
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (err) { body = null; }
    if (!response.ok && response.status !== 409) {
      throw new Error(ff.errorText(body, response));
    }
    return body;
  },

  errorText(body, response) {
    if (body && typeof body.detail === "string") return body.detail;
    if (body && Array.isArray(body.detail)) {
      return body.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
    }
    return `${response.status} ${response.statusText}`;
  },

  // Run `work` with the form busy: button disabled, a status line, errors shown in `errorBox`.
  // Returns what `work` returned (undefined after an error, which is shown instead).
  async busy(form, statusBox, errorBox, message, work) {
    const buttons = form ? form.querySelectorAll("button") : [];
    buttons.forEach((b) => { b.disabled = true; });
    if (form) form.setAttribute("aria-busy", "true");
    errorBox.hidden = true;
    statusBox.textContent = message;
    try {
      const result = await work();
      statusBox.textContent = "";
      return result;
    } catch (err) {
      statusBox.textContent = "";
      errorBox.textContent = err.message;
      errorBox.hidden = false;
      errorBox.focus();
      return undefined;
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      if (form) form.removeAttribute("aria-busy");
    }
  },

  // Put a raw value in an <output>: the exact number in data-value, a readable one as text.
  show(id, value, format) {
    const el = document.getElementById(id);
    el.dataset.value = value === null || value === undefined ? "" : String(value);
    el.textContent = value === null || value === undefined ? "—" : format(value);
  },

  usd: (v) => "$" + Math.round(v).toLocaleString("en-US"),
  usd2: (v) => "$" + Number(v).toFixed(2),
  int: (v) => Math.round(v).toLocaleString("en-US"),
  num: (v, digits = 1) => Number(v).toLocaleString("en-US", { maximumFractionDigits: digits }),
  pct: (v) => (100 * v).toFixed(1) + "%",
  sci: (v) => Number(v).toExponential(2),

  plot(id, figure) {
    const el = document.getElementById(id);
    el.hidden = false;
    const layout = { ...figure.layout, autosize: true };
    delete layout.width;
    return Plotly.react(el, figure.data, layout, { responsive: true, displaylogo: false });
  },

  // A table from rows: columns are [header, row => text, numeric?, html?] (html: the function
  // returns markup it has escaped itself).
  table(id, columns, rows) {
    const el = document.getElementById(id);
    const head = "<thead><tr>" + columns.map(([h, , n]) => `<th scope="col"${n ? ' class="num"' : ""}>${ff.esc(h)}</th>`).join("") + "</tr></thead>";
    const cell = (f, r, html) => (html ? f(r) : ff.esc(f(r)));
    const body = rows.map((r) => "<tr>" + columns.map(([, f, n, html]) => `<td${n ? ' class="num"' : ""}>${cell(f, r, html)}</td>`).join("") + "</tr>").join("");
    el.innerHTML = head + "<tbody>" + body + "</tbody>";
  },

  esc(text) {
    return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  },

  async fillSelect(id, values, chosen) {
    const el = document.getElementById(id);
    el.innerHTML = values.map((v) => `<option${v === chosen ? " selected" : ""}>${ff.esc(v)}</option>`).join("");
  },

  // The page has loaded its options and may be used (tests and screenshots wait for this).
  ready() { document.body.dataset.ready = "true"; },

  formValues(form) {
    const out = {};
    for (const [k, v] of new FormData(form).entries()) {
      if (v !== "") out[k] = v;
    }
    return out;
  },
};
