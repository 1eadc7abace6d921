"use strict";
(async () => {
  const form = document.getElementById("train-form");
  const status = document.getElementById("status");
  const error = document.getElementById("error");
  await ff.busy(null, status, error, "Loading the catalog…", async () => {
    const options = await ff.api("/api/calc/options");
    const model = document.getElementById("model");
    model.insertAdjacentHTML("beforeend", options.models.map((m) => `<option${m === "llama-2-70b" ? " selected" : ""}>${ff.esc(m)}</option>`).join(""));
    ff.fillSelect("gpu", options.accelerators, "A100-SXM4-80GB");
    document.getElementById("provider").insertAdjacentHTML("beforeend", options.providers.map((p) => `<option>${ff.esc(p)}</option>`).join(""));
  });
  ff.ready();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = ff.formValues(form);
    for (const key of ["gpus", "mfu", "layers", "hidden", "heads", "kv_heads", "ffn_hidden", "vocab", "seq_len"]) {
      if (body[key] !== undefined) body[key] = Number(body[key]);
    }
    ff.busy(form, status, error, "Searching parallel configurations and simulating the run…", async () => {
      const r = await ff.api("/api/calc/train", { method: "POST", body: JSON.stringify(body) });
      const e = r.estimate;
      ff.show("gpu-hours", e.gpu_hours, ff.int);
      document.getElementById("gpu-hours-band").textContent = `${ff.int(e.gpu_hours_low)} – ${ff.int(e.gpu_hours_high)}`;
      ff.show("wall-days", e.wall_days, (v) => ff.num(v, 1));
      document.getElementById("wall-days-band").textContent = `${ff.num(e.wall_days_low)} – ${ff.num(e.wall_days_high)} on ${e.gpus} GPUs`;
      ff.show("cost", e.cost_usd, ff.usd);
      document.getElementById("cost-band").textContent = e.cost_usd === null ? "no price" : `${ff.usd(e.cost_usd_low)} – ${ff.usd(e.cost_usd_high)}`;
      ff.show("memory", e.memory_per_gpu_gib, (v) => ff.num(v, 1) + " GiB");
      document.getElementById("fits").textContent = e.fits ? "fits" : "does not fit";
      ff.show("mfu-out", e.mfu, (v) => v.toFixed(3));
      document.getElementById("mfu-source").textContent = e.assumptions.mfu_source;
      document.getElementById("parallel").textContent = e.parallel ? `Parallelism: ${e.parallel.description}.` : "";
      ff.table("phases", [
        ["", (row) => row[0]],
        ["GPU-hours", (row) => ff.int(row[1].gpu_hours), true],
        ["days", (row) => row[1].wall_days === undefined ? "—" : ff.num(row[1].wall_days), true],
        ["cost", (row) => row[1].cost_usd === null ? "—" : ff.usd(row[1].cost_usd), true],
        ["range (GPU-hours)", (row) => row[1].gpu_hours_low === undefined ? "—" : `${ff.int(row[1].gpu_hours_low)} – ${ff.int(row[1].gpu_hours_high)}`, true],
      ], [["Ideal run", e.ideal], ["Expected run (failures, restarts)", e.expected], ["Program (test runs, ablations)", e.program]]);
      document.getElementById("explain").textContent = r.explain.join("\n");
      document.getElementById("results").hidden = false;
      document.getElementById("offers-note").textContent = r.offers.length ? "" : "No current offer prices a run this long (over 50 years).";
      if (r.offers.length) await ff.plot("offers-chart", r.chart);
      else document.getElementById("offers-chart").hidden = true;
    });
  });
})();
