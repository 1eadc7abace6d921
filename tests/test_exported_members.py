"""The public API is what ``__all__`` says, every name in it exists, and nothing heavy loads on
``import flopfolio``."""

import subprocess
import sys

import flopfolio

EXPECTED = {
    "Accelerator", "ApiPrice", "Band", "Catalog", "CatalogError", "FlopConvention", "FlopfolioError",
    "InferenceEstimate", "InferenceResult", "InfeasiblePlanError", "InvalidSpecError", "ModelPreset",
    "Offer", "Precision", "TrainingEstimate", "TrainingResult", "TransformerSpec",
    "UnknownAcceleratorError", "UnknownModelError", "UnknownProviderError", "UnsupportedPrecisionError",
    "ValidationReport", "__version__", "estimate_inference", "estimate_serving", "estimate_training",
    "estimate_training_run", "inference_flops_per_token", "load_catalog", "napkin_inference_flops",
    "napkin_training_flops", "training_flops", "validate_file",
    # the front doors of flopfolio.api (and the two economics tables the CLI prints as they are)
    "calibrate", "check_model", "choose_model", "compare_accelerators", "compare_image_serving",
    "plan_capacity", "plan_finetune", "plan_fleet", "plan_rl", "plan_roadmap", "plan_synthetic", "price_contract",
    "rank_training_offers", "run_bench", "scale_budget", "total_cost_of_ownership",
}  # fmt: skip


def test_exported_members() -> None:
    assert set(flopfolio.__all__) == EXPECTED
    for name in flopfolio.__all__:
        assert getattr(flopfolio, name) is not None, name


def test_import_is_light() -> None:
    code = (
        "import sys, flopfolio; print(any(m in sys.modules for m in ('numpy', 'scipy', 'typer')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_docstring_example() -> None:
    result = flopfolio.estimate_training_run(
        params="175B", tokens="300B", gpu="A100-SXM4-40GB", mfu=1.0, price=2.0
    )
    assert round(result.to_dict()["ideal"]["cost_usd"], -4) == 560000.0
