"""flopfolio pool: demo on a fresh database, report, allocate, export-kueue, init."""

from pathlib import Path

import pytest
import yaml

from tests.cli.helpers import run_cli, run_json


def test_demo_report_allocate_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    report = run_json("pool", "demo", "--members", "50", "--months", "24", "--database-url", url)
    assert report["members"] == 50 and report["contracts"]
    assert (
        abs(report["ledger_imbalance_usd"]) < 1e-3
    )  # charges - credits + subsidy = contract costs
    value = report["program_value"]
    assert value["pooled_cost_usd"] <= value["standalone_cost_usd"]  # pooling never costs more
    assert value["value_usd"] == pytest.approx(
        value["standalone_cost_usd"] - value["pooled_cost_usd"]
    )
    again = run_json("pool", "report", "--database-url", url)
    assert again["contracted_gpu_months"] == report["contracted_gpu_months"]
    assert again["allocated_gpu_months"] == pytest.approx(report["allocated_gpu_months"])
    answers = []
    for m in report["top_members"]:  # members come and go: the first active in months 20-24 answers
        done = run_cli("pool", "allocate", "--member", m["member"], "--gpu", "H100", "--gpu", "H200",
                       "--gpus", "8", "--months", "1", "--earliest", "20", "--deadline", "24",
                       "--database-url", url, "--json")  # fmt: skip
        if done.returncode == 0:
            answers.append(done.stdout)
            break
        assert "is in the program from month" in done.stderr  # the only refusal allowed here
    assert answers and '"status"' in answers[0]
    done = run_cli("pool", "export-kueue", "--month", "12", "--database-url", url)
    objects = list(yaml.safe_load_all(done.stdout))
    assert {o["kind"] for o in objects} == {"ResourceFlavor", "ClusterQueue", "LocalQueue"}
    # Every member can run a job: one ClusterQueue (and the idle pool's) and one LocalQueue each.
    kinds = [o["kind"] for o in objects]
    assert kinds.count("ClusterQueue") == 50 + 1 and kinds.count("LocalQueue") == 50
    # The quotas of each card add up to the GPUs contracted for it in month 12 (the reservation
    # stack and the top-ups live in that month), members' guarantees plus the idle pool.
    contracted: dict[str, int] = {}
    for c in report["contracts"]:
        if not c["start_month"] <= 12 < c["end_month"]:
            continue
        flavor = c["accelerator"].lower()
        contracted[flavor] = contracted.get(flavor, 0) + c["gpus"]
    nominal: dict[str, int] = {}
    for o in objects:
        if o["kind"] == "ClusterQueue":
            for f in o["spec"]["resourceGroups"][0]["flavors"]:
                nominal[f["name"]] = nominal.get(f["name"], 0) + f["resources"][0]["nominalQuota"]
    assert nominal == contracted


def test_init_issues_an_operator_key(tmp_path: Path) -> None:
    d = run_json("pool", "init", "--database-url", f"sqlite:///{tmp_path / 'p.db'}")
    assert d["operator_key"].startswith("ffp_")


def test_demo_table_output(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    done = run_cli("pool", "demo", "--members", "50", "--database-url", url)
    assert done.returncode == 0, done.stderr
    assert "Savings vs standalone" in done.stdout and "Contracts" in done.stdout
    assert (
        "month by month" in done.stdout
        and "Pooled peak vs the sum of members' peaks" in done.stdout
    )
    plot = tmp_path / "use.html"
    done = run_cli("pool", "report", "--database-url", url, "--plot", str(plot))
    assert done.returncode == 0, done.stderr
    html = plot.read_text(encoding="utf-8")
    for part in ("used (guaranteed + inference)", "lent inside the pool", "batch work",
                 "resold to the market", "idle", "contracted"):  # fmt: skip
        assert f'"name":"{part}"' in html


@pytest.mark.parametrize("how", ["option", "env"])
def test_an_unopenable_database_is_one_line(how: str) -> None:
    url = "sqlite:////nonexistent/dir/x.db"
    args = ["pool", "demo", "--members", "5"]
    done = run_cli(*args, "--database-url", url) if how == "option" else run_cli(
        *args, env={"DATABASE_URL": url}
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert (
        "sqlite:////nonexistent/dir/x.db" in line and "create the folder /nonexistent/dir" in line
    )
