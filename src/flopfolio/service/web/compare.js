"use strict";
(async () => {
  const form = document.getElementById("compare-form");
  const status = document.getElementById("status");
  const error = document.getElementById("error");

  // Filters change faster than answers come back: only the latest request may draw.
  let latest = 0;
  async function run() {
    const query = new URLSearchParams(ff.formValues(form)).toString();
    const mine = ++latest;
    await ff.busy(form, status, error, "Comparing…", async () => {
      const r = await ff.api("/api/calc/compare?" + query);
      if (mine !== latest) return;
      ff.show("count", r.accelerators.length, String);
      const money = (v) => (v === null ? "—" : ff.usd2(v));
      ff.table("accelerators", [
        ["accelerator", (a) => `<button type="button" class="secondary" data-accelerator="${ff.esc(a.accelerator)}" aria-label="Offers for ${ff.esc(a.accelerator)}">${ff.esc(a.accelerator)}</button>`, false, true],
        ["vendor", (a) => a.vendor],
        ["memory GiB", (a) => ff.num(a.memory_gib, 0), true],
        ["TB/s", (a) => ff.num(a.memory_bw_gb_per_s / 1000, 2), true],
        [`peak TFLOP/s`, (a) => ff.int(a.peak_tflops), true],
        ["$/GPU-h", (a) => money(a.usd_per_gpu_hour), true],
        ["$/effective PFLOP-h", (a) => money(a.usd_per_effective_pflop_hour), true],
        ["$/GiB-h", (a) => (a.usd_per_gib_hour === null ? "—" : "$" + a.usd_per_gib_hour.toFixed(4)), true],
        ["cheapest offer", (a) => (a.provider ? `${a.provider} ${a.term} (${a.as_of})` : "no current offer")],
      ], r.accelerators);
      document.getElementById("results").hidden = false;
      await ff.plot("compare-chart", r.chart);
    });
  }

  // An accelerator's offers, with the term and provider filters applied ("committed" and "any"
  // list every term, as `flopfolio prices` does without --term).
  async function offers(accelerator) {
    const v = ff.formValues(form);
    const query = new URLSearchParams({ accelerator });
    if (v.term === "on_demand" || v.term === "spot") query.set("term", v.term);
    if (v.provider) query.set("provider", v.provider);
    const section = document.getElementById("offers-section");
    await ff.busy(null, document.getElementById("offers-status"), document.getElementById("offers-error"), `Loading ${accelerator}'s offers…`, async () => {
      const r = await ff.api("/api/calc/offers?" + query.toString());
      document.getElementById("offers-h").textContent = `Offers for ${accelerator} (${r.offers.length})`;
      ff.table("offers", [
        ["provider", (o) => o.provider], ["region", (o) => o.region], ["term", (o) => o.term],
        ["$/GPU-h", (o) => ff.usd2(o.usd_per_gpu_hour), true], ["instance", (o) => o.instance_type],
        ["as of", (o) => o.as_of], ["source", (o) => o.source],
      ], r.offers);
      section.hidden = false;
      section.scrollIntoView();
    });
  }

  document.getElementById("accelerators").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-accelerator]");
    if (button) offers(button.dataset.accelerator);
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  form.addEventListener("change", () => run());
  await ff.busy(null, status, error, "Loading the catalog…", async () => {
    const options = await ff.api("/api/calc/options");
    document.getElementById("provider").insertAdjacentHTML("beforeend", options.providers.map((p) => `<option>${ff.esc(p)}</option>`).join(""));
  });
  await run();
  ff.ready();
})();
