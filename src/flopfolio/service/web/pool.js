"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const status = $("status");
  const error = $("error");

  async function open() {
    await ff.busy($("key-form"), status, error, "Loading the dashboard…", async () => {
      const me = await ff.api("/api/me");
      $("sign-out").hidden = false;
      if (me.role === "operator") await operator();
      else await member();
    });
  }

  async function operator() {
    const d = await ff.api("/api/dashboard");
    ff.show("utilization", d.utilization, ff.pct);
    ff.show("idle-cost", d.idle_cost_usd, ff.usd);
    $("idle-note").textContent = `${ff.int(d.idle_gpu_months)} contracted GPU-months nobody used or bought`;
    ff.show("resale", d.resale_usd, ff.usd);
    $("resale-note").textContent = `${ff.int(d.resold_gpu_months)} idle GPU-months sublet to the market`;
    ff.show("contract-cost", d.contract_cost_usd, ff.usd);
    $("contracts-note").textContent = `${d.contracts} contracts`;
    ff.show("internal-price", d.internal_usd_per_gpu_hour, ff.usd2);
    ff.show("pending-count", d.pending_requests, String);
    $("members-note").textContent = `${d.members} members`;
    $("operator").hidden = false;
    if (d.savings) {
      ff.show("alone-cost", d.savings.standalone_usd, ff.usd);
      ff.show("pooled-bills", d.savings.pooled_usd, ff.usd);
      $("pooled-note").textContent = `quota ${ff.usd(d.savings.pooled_quota_usd)} + idle share ${ff.usd(d.savings.pooled_idle_share_usd)} − credits ${ff.usd(d.savings.pooled_credits_usd)}`;
      ff.show("truth-saving", d.savings.saving_usd, ff.usd);
      $("truth-share").textContent = `${ff.pct(d.savings.saving_share)} of the standalone cost, ${d.savings.members} members`;
    }
    await ff.plot("use-chart", d.use_chart);
    await ff.plot("pool-chart", d.chart);
    await pending();
  }

  async function pending() {
    const r = await ff.api("/api/requests?status=pending&limit=200");
    const spec = (s) => `${s.gpus ?? ""} GPUs ${s.accelerators ? s.accelerators.join("/") : s.accelerator_id}, months ${s.earliest_month ?? s.start_month}–${s.deadline_month ?? ""}`;
    const el = $("pending");
    if (!r.items.length) { el.innerHTML = "<tbody><tr><td>No requests are waiting.</td></tr></tbody>"; return; }
    el.innerHTML = "<thead><tr><th scope='col'>member</th><th scope='col'>kind</th><th scope='col'>request</th><th scope='col'>decide</th></tr></thead><tbody>" +
      r.items.map((q) => `<tr data-request="${ff.esc(q.id)}"><td>${ff.esc(q.member_id)}</td><td>${ff.esc(q.kind)}</td><td>${ff.esc(spec(q.spec))}</td>` +
        `<td><button type="button" data-act="approve" aria-label="Approve ${ff.esc(q.member_id)}'s ${ff.esc(q.kind)} request">Approve</button> ` +
        `<button type="button" class="secondary" data-act="decline" aria-label="Decline ${ff.esc(q.member_id)}'s ${ff.esc(q.kind)} request">Decline</button></td></tr>`).join("") + "</tbody>";
  }

  $("pending").addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-act]");
    if (!button) return;
    const id = button.closest("tr").dataset.request;
    const r = await ff.busy(null, $("decision"), error, "Placing the request…", async () => {
      const answer = await ff.api(`/api/requests/${encodeURIComponent(id)}/${button.dataset.act}`, { method: "POST" });
      await operator();
      return answer;
    });
    if (r) {
      const bought = (r.contracts_bought || []).length;
      const topUp = bought ? ` — bought ${bought} on-demand contract${bought > 1 ? "s" : ""} for it (${r.contracts_bought.map((c) => `${c.gpus} ${c.accelerator_id} at ${ff.usd2(c.usd_per_gpu_hour)}/GPU-h`).join(", ")})` : "";
      $("decision").textContent = `Request ${r.request_id}: ${r.status}${r.reason ? " — " + r.reason : ""}${topUp}.`;
    }
  });

  $("savings-button").addEventListener("click", () => {
    ff.busy($("savings-button").parentElement, $("savings-status"), $("savings-error"), "Solving the pooled and standalone procurement plans…", async () => {
      const s = await ff.api("/api/savings");
      if (s.note) throw new Error(s.note);
      ff.show("pooled-cost", s.pooled_cost_usd, ff.usd);
      ff.show("standalone-cost", s.standalone_cost_usd, ff.usd);
      ff.show("value", s.value_usd, ff.usd);
      $("value-share").textContent = ff.pct(s.value_share) + " of the standalone cost";
      ff.show("day-one", s.day_one_members.length, String);
      $("savings").hidden = false;
    });
  });

  async function member() {
    const d = await ff.api("/api/dashboard");
    ff.show("member-id", d.member_id, String);
    ff.show("gpu-months", d.gpu_months, ff.int);
    ff.show("net-bill", d.bill ? d.bill.net_usd : null, ff.usd);
    $("bill-note").textContent = d.bill ? `quota ${ff.usd(d.bill.quota_usd)}, idle share ${ff.usd(d.bill.idle_usd)}, credits ${ff.usd(d.bill.credit_usd)}` : "no bill yet";
    $("member").hidden = false;
    await ff.plot("member-chart", d.chart);
    const allocations = await ff.api("/api/allocations?limit=500");
    ff.table("allocations", [
      ["member", (a) => a.member_id], ["kind", (a) => a.kind], ["contract", (a) => a.contract_id],
      ["months", (a) => `${a.start_month}–${a.end_month}`, true], ["GPUs", (a) => a.gpus, true],
    ], allocations.items);
    const invoices = await ff.api("/api/invoices?limit=500");
    ff.table("invoices", [
      ["member", (i) => i.member_id], ["month", (i) => i.month, true], ["kind", (i) => i.kind],
      ["USD", (i) => ff.usd2(i.usd), true], ["memo", (i) => i.memo],
    ], invoices.items);
    await myRequests();
  }

  async function myRequests() {
    const r = await ff.api("/api/requests?limit=100");
    ff.table("my-requests", [
      ["request", (q) => q.id], ["kind", (q) => q.kind], ["status", (q) => q.status], ["reason", (q) => q.reason || ""],
    ], r.items);
  }

  $("request-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const v = ff.formValues(event.target);
    const body = {
      accelerators: v.accelerators.split(",").map((s) => s.trim()).filter(Boolean),
      gpus: Number(v.gpus), duration_months: Number(v.duration_months),
      earliest_month: Number(v.earliest_month), deadline_month: Number(v.deadline_month), review: true,
    };
    ff.busy(event.target, $("request-status"), $("request-error"), "Sending…", async () => {
      const answer = await ff.api("/api/requests/training", { method: "POST", body: JSON.stringify(body) });
      await myRequests();
      return answer;
    }).then((r) => {
      if (r) $("request-status").textContent = `Request ${r.request_id} is ${r.status}: the operator will approve or decline it.`;
    });
  });

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("flopfolio-key", $("api-key").value.trim());
    $("operator").hidden = true;
    $("member").hidden = true;
    open();
  });
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem("flopfolio-key");
    location.reload();
  });
  if (sessionStorage.getItem("flopfolio-key")) open().then(ff.ready);
  else ff.ready();
})();
