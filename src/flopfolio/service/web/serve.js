"use strict";
(async () => {
  const form = document.getElementById("serve-form");
  const status = document.getElementById("status");
  const error = document.getElementById("error");
  await ff.busy(null, status, error, "Loading the catalog…", async () => {
    const options = await ff.api("/api/calc/options");
    ff.fillSelect("model", options.models, "llama-3.1-8b");
    document.getElementById("api_model").insertAdjacentHTML("beforeend", options.api_models.map((m) => `<option${m === "gpt-4o-mini" ? " selected" : ""}>${ff.esc(m)}</option>`).join(""));
  });
  ff.ready();

  // The form as the workload YAML's structure (see examples/chat-app.yaml).
  function workload() {
    const v = ff.formValues(form);
    const num = (k) => (v[k] === undefined ? undefined : Number(v[k]));
    const latency = {};
    if (v.tpot_ms) latency.tpot_ms = num("tpot_ms");
    if (v.ttft_ms) latency.ttft_ms = num("ttft_ms");
    const w = {
      model: v.model,
      requests: [{ share: 1, input_tokens: num("input_tokens"), output_tokens: num("output_tokens") }],
      latency,
      demand: {
        mean_requests_per_hour: num("mean_requests_per_hour"), hours: num("hours"),
        peak_to_mean: num("peak_to_mean"), weekend_factor: num("weekend_factor"),
        growth_per_week: num("growth_per_week"),
      },
      accelerators: (v.accelerators || "").split(",").map((s) => s.trim()).filter(Boolean),
    };
    for (const key of Object.keys(w.demand)) if (w.demand[key] === undefined) delete w.demand[key];
    if (v.precision) w.precision = v.precision;
    if (v.api_model) w.api_model = v.api_model;
    return w;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ff.busy(form, status, error, "Sizing replicas for every hour and pricing each policy…", async () => {
      const text = document.getElementById("workload-yaml").value.trim();
      const request = text ? { yaml: text } : { workload: workload() };
      const r = await ff.api("/api/calc/serve", { method: "POST", body: JSON.stringify(request) });
      const c = r.capacity;
      const best = c.cheapest;
      ff.show("cheapest", best ? best.accelerator : null, String);
      document.getElementById("cheapest-policy").textContent = best ? `${best.policy}${best.provider ? ", " + best.provider : ""}` : "no accelerator could serve it";
      ff.show("monthly", best ? best.monthly_cost_usd : null, ff.usd);
      const api = c.hosted_api;
      ff.show("api-monthly", api ? api.monthly_cost_usd : null, ff.usd);
      document.getElementById("api-note").textContent = api ? `${api.model} (${api.provider}, as of ${api.as_of})` : "no API chosen";
      const be = api && best ? api.break_even_requests_per_month[best.accelerator] : null;
      ff.show("break-even", be, ff.int);
      ff.show("peak", c.demand.peak_requests_per_hour, ff.int);
      document.querySelector("#peak + .band").textContent = `peak; mean ${ff.int(c.demand.mean_requests_per_hour)} requests per hour`;
      const rows = c.accelerators.flatMap((a) => a.policies.filter((p) => p.name !== "ideal").map((p) => ({ a, p })));
      ff.table("policies", [
        ["accelerator", (x) => x.a.accelerator],
        ["GPUs / replica", (x) => x.a.gpus_per_replica, true],
        ["policy", (x) => x.p.name + (x.p.name === x.a.cheapest_policy ? " (cheapest)" : "")],
        ["$ / month", (x) => ff.usd(x.p.monthly_cost_usd), true],
        ["peak replicas", (x) => x.p.peak_replicas, true],
        ["utilization", (x) => ff.pct(x.p.utilization), true],
        ["idle cost", (x) => ff.usd(x.p.idle_cost_usd), true],
      ], rows);
      document.getElementById("skipped").textContent = c.skipped.map((s) => `${s.accelerator}: ${s.reason}`).join(" · ");
      document.getElementById("results").hidden = false;
      await ff.plot("capacity-chart", r.chart);
      if (r.break_even_chart) await ff.plot("break-even-chart", r.break_even_chart);
      else document.getElementById("break-even-chart").hidden = true;
    });
  });
})();
