"use strict";
(async () => {
  const form = document.getElementById("fleet-form");
  const status = document.getElementById("status");
  const error = document.getElementById("error");
  const yaml = document.getElementById("yaml");
  const monthSelect = document.getElementById("month");
  let last = null;

  async function loadExample() {
    const r = await fetch("/static/fleet-example.yaml");
    yaml.value = r.ok ? await r.text() : "";
  }

  function showMonth(i) {
    const f = last.fleet;
    const m = f.months[i];
    const o = m.optimized;
    ff.show("usd-month", o.usd_per_month, ff.usd);
    ff.show("usd-hour", o.usd_per_hour, ff.usd2);
    ff.show("naive-month", m.naive.usd_per_month, ff.usd);
    ff.show("saving", m.saving_usd_per_month, ff.usd);
    document.getElementById("saving-share").textContent = `${ff.pct(m.saving_share)} less than naive`;
    document.getElementById("gap").textContent = `${o.solver_status}: within ${ff.pct(o.mip_gap)} of optimal (bound ${ff.usd(o.lower_bound_usd_per_month)})`;
    document.getElementById("egress").textContent = `egress ${ff.usd(o.egress_usd_per_month)} a month`;
    ff.table("cards", [
      ["card", (c) => c.card],
      ["GPUs", (c) => ff.int(c.gpus), true],
      ["$/GPU-h", (c) => ff.usd2(c.usd_per_gpu_hour), true],
      ["$/month", (c) => ff.usd(c.usd_per_month), true],
      ["utilization", (c) => ff.pct(c.utilization), true],
    ], o.cards);
    ff.table("placement", [
      ["workload", (a) => a.workload],
      ["card", (a) => a.card],
      ["GPUs / replica", (a) => ff.int(a.gpus_per_replica), true],
      ["replicas (min–max over the day)", (a) => `${ff.num(a.replicas_min, 2)}–${ff.num(a.replicas_peak, 2)}`, true],
    ], o.placement);
    document.getElementById("shared").innerHTML = o.shared_gpus.length
      ? o.shared_gpus.map((g) => `<li>${ff.esc(g.workloads.join(" + "))} share one GPU of ${ff.esc(g.card)} (up to ${ff.int(g.gpus_peak)} such GPUs)</li>`).join("")
      : "<li>no GPU is shared this month</li>";
    ff.table("slo", [
      ["workload", (w) => w.name],
      ["kind", (w) => w.kind],
      ["SLO", (w) => Object.entries(w.slo).map(([k, v]) => `${k} ≤ ${v}`).join(", ") || "deadline"],
      ["cards meeting it", (w) => w.options.map((x) => x.card).join("; ")],
      ["met", (w) => (w.options.every((x) => x.slo_met) ? "yes" : "no")],
    ], f.workloads);
    document.getElementById("binding").innerHTML = o.binding.length ? o.binding.map((b) => `<li>${ff.esc(b)}</li>`).join("") : "<li>nothing binds</li>";
    return ff.plot("fleet-chart", last.charts[i]);
  }

  document.getElementById("upload").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (file) yaml.value = await file.text();
  });
  document.getElementById("reset").addEventListener("click", loadExample);
  monthSelect.addEventListener("change", () => showMonth(Number(monthSelect.value)));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ff.busy(form, status, error, "Sizing every model on every card and solving the fleet MILP…", async () => {
      document.getElementById("results").hidden = true;
      last = await ff.api("/api/calc/fleet", { method: "POST", body: JSON.stringify({ yaml: yaml.value }) });
      monthSelect.innerHTML = last.fleet.months.map((m, i) => `<option value="${i}">month ${m.month}</option>`).join("");
      document.getElementById("results").hidden = false;
      await showMonth(0);
    });
  });
  await loadExample();
  ff.ready();
})();
