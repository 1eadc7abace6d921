"use strict";
(async () => {
  const form = document.getElementById("plan-form");
  const status = document.getElementById("status");
  const error = document.getElementById("error");
  const yaml = document.getElementById("yaml");

  async function loadExample() {
    const r = await fetch("/static/roadmap-example.yaml");
    yaml.value = r.ok ? await r.text() : "";
  }

  document.getElementById("upload").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (file) yaml.value = await file.text();
  });
  document.getElementById("reset").addEventListener("click", loadExample);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { yaml: yaml.value, gap: Number(document.getElementById("gap").value || 0.01) };
    ff.busy(form, status, error, "Solving the procurement MILP (offers × terms × start months × quantities)…", async () => {
      const r = await ff.api("/api/calc/plan", { method: "POST", body: JSON.stringify(body) });
      const p = r.plan;
      ff.show("expected-cost", p.expected_cost_usd, ff.usd);
      ff.show("committed", p.committed_usd, ff.usd);
      document.getElementById("limit").textContent = `limit ${ff.usd(p.commitment_limit_usd)} of ${ff.usd(p.cash_usd)} cash`;
      ff.show("on-demand", p.expected_on_demand_usd, ff.usd);
      document.getElementById("binding").innerHTML = p.binding.length ? p.binding.map((b) => `<li>${ff.esc(b)}</li>`).join("") : "<li>nothing binds</li>";
      ff.table("purchases", [
        ["offer", (x) => x.offer],
        ["accelerator", (x) => x.accelerator],
        ["term (months)", (x) => x.term_months, true],
        ["start month", (x) => x.start_month, true],
        ["GPUs", (x) => ff.num(x.gpus, 0), true],
        ["$/GPU-h", (x) => ff.usd2(x.usd_per_gpu_hour), true],
        ["cost", (x) => ff.usd(x.cost_usd), true],
      ], p.purchases);
      document.getElementById("results").hidden = false;
      await ff.plot("plan-chart", r.chart);
    });
  });
  await loadExample();
  ff.ready();
})();
