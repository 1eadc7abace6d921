"""flopfolio: plan, price and pool AI compute.

FLOPs, memory, time, GPU-hours and dollars for training and serving any model on any accelerator,
each with a range and the sources it came from.

    >>> import flopfolio
    >>> result = flopfolio.estimate_training_run(params="175B", tokens="300B",
    ...                                          gpu="A100-SXM4-40GB", mfu=1.0, price=2.0)
    >>> round(result.to_dict()["ideal"]["cost_usd"], -4)  # the seed's "$560,000 on A100 cards"
    560000.0
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flopfolio.api.bench import run_bench
    from flopfolio.api.budget_sizing import scale_budget
    from flopfolio.api.calibrate import calibrate
    from flopfolio.api.capacity_plan import plan_capacity
    from flopfolio.api.contract_quote import price_contract
    from flopfolio.api.estimates import estimate_serving, estimate_training_run
    from flopfolio.api.finetune_plan import plan_finetune, plan_rl, plan_synthetic
    from flopfolio.api.fleet_plan import plan_fleet
    from flopfolio.api.image_plan import compare_image_serving
    from flopfolio.api.model_input import choose_model
    from flopfolio.api.rent_or_own import total_cost_of_ownership
    from flopfolio.api.roadmap import plan_roadmap
    from flopfolio.api.threshold_check import check_model
    from flopfolio.catalog.accelerators import Accelerator
    from flopfolio.catalog.api_prices import ApiPrice
    from flopfolio.catalog.catalog import Catalog, load_catalog
    from flopfolio.catalog.models import ModelPreset
    from flopfolio.catalog.offers import Offer
    from flopfolio.economics.compare import compare_accelerators
    from flopfolio.economics.offer_ranking import rank_training_offers
    from flopfolio.errors import (
        CatalogError,
        FlopfolioError,
        InfeasiblePlanError,
        InvalidSpecError,
        UnknownAcceleratorError,
        UnknownModelError,
        UnknownProviderError,
        UnsupportedPrecisionError,
    )
    from flopfolio.perf.inference import InferenceEstimate, estimate_inference
    from flopfolio.perf.training import TrainingEstimate, estimate_training
    from flopfolio.results.inference import InferenceResult
    from flopfolio.results.training import TrainingResult
    from flopfolio.specs.band import Band
    from flopfolio.specs.precision import Precision
    from flopfolio.specs.transformer import TransformerSpec
    from flopfolio.validation.runs import ValidationReport, validate_file
    from flopfolio.workload.flops import (
        FlopConvention,
        inference_flops_per_token,
        napkin_inference_flops,
        napkin_training_flops,
        training_flops,
    )

__version__ = "0.1.0"

# Names are imported on first use, so `flopfolio --help` does not load every model (DESIGN rule 5).
_WHERE = {
    "Accelerator": "flopfolio.catalog.accelerators",
    "ApiPrice": "flopfolio.catalog.api_prices",
    "Band": "flopfolio.specs.band",
    "Catalog": "flopfolio.catalog.catalog",
    "CatalogError": "flopfolio.errors",
    "FlopConvention": "flopfolio.workload.flops",
    "FlopfolioError": "flopfolio.errors",
    "InfeasiblePlanError": "flopfolio.errors",
    "InferenceEstimate": "flopfolio.perf.inference",
    "InferenceResult": "flopfolio.results.inference",
    "InvalidSpecError": "flopfolio.errors",
    "ModelPreset": "flopfolio.catalog.models",
    "Offer": "flopfolio.catalog.offers",
    "Precision": "flopfolio.specs.precision",
    "TrainingEstimate": "flopfolio.perf.training",
    "TrainingResult": "flopfolio.results.training",
    "TransformerSpec": "flopfolio.specs.transformer",
    "UnknownAcceleratorError": "flopfolio.errors",
    "UnknownModelError": "flopfolio.errors",
    "UnknownProviderError": "flopfolio.errors",
    "UnsupportedPrecisionError": "flopfolio.errors",
    "ValidationReport": "flopfolio.validation.runs",
    "calibrate": "flopfolio.api.calibrate",
    "check_model": "flopfolio.api.threshold_check",
    "choose_model": "flopfolio.api.model_input",
    "compare_accelerators": "flopfolio.economics.compare",
    "compare_image_serving": "flopfolio.api.image_plan",
    "estimate_inference": "flopfolio.perf.inference",
    "estimate_serving": "flopfolio.api.estimates",
    "estimate_training": "flopfolio.perf.training",
    "estimate_training_run": "flopfolio.api.estimates",
    "inference_flops_per_token": "flopfolio.workload.flops",
    "load_catalog": "flopfolio.catalog.catalog",
    "napkin_inference_flops": "flopfolio.workload.flops",
    "napkin_training_flops": "flopfolio.workload.flops",
    "plan_capacity": "flopfolio.api.capacity_plan",
    "plan_finetune": "flopfolio.api.finetune_plan",
    "plan_fleet": "flopfolio.api.fleet_plan",
    "plan_rl": "flopfolio.api.finetune_plan",
    "plan_roadmap": "flopfolio.api.roadmap",
    "plan_synthetic": "flopfolio.api.finetune_plan",
    "price_contract": "flopfolio.api.contract_quote",
    "rank_training_offers": "flopfolio.economics.offer_ranking",
    "run_bench": "flopfolio.api.bench",
    "scale_budget": "flopfolio.api.budget_sizing",
    "total_cost_of_ownership": "flopfolio.api.rent_or_own",
    "training_flops": "flopfolio.workload.flops",
    "validate_file": "flopfolio.validation.runs",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'flopfolio' has no attribute {name!r}")


__all__ = [
    "Accelerator",
    "ApiPrice",
    "Band",
    "Catalog",
    "CatalogError",
    "FlopConvention",
    "FlopfolioError",
    "InfeasiblePlanError",
    "InferenceEstimate",
    "InferenceResult",
    "InvalidSpecError",
    "ModelPreset",
    "Offer",
    "Precision",
    "TrainingEstimate",
    "TrainingResult",
    "TransformerSpec",
    "UnknownAcceleratorError",
    "UnknownModelError",
    "UnknownProviderError",
    "UnsupportedPrecisionError",
    "ValidationReport",
    "__version__",
    "calibrate",
    "check_model",
    "choose_model",
    "compare_accelerators",
    "compare_image_serving",
    "estimate_inference",
    "estimate_serving",
    "estimate_training",
    "estimate_training_run",
    "inference_flops_per_token",
    "load_catalog",
    "napkin_inference_flops",
    "napkin_training_flops",
    "plan_capacity",
    "plan_finetune",
    "plan_fleet",
    "plan_rl",
    "plan_roadmap",
    "plan_synthetic",
    "price_contract",
    "rank_training_offers",
    "run_bench",
    "scale_budget",
    "total_cost_of_ownership",
    "training_flops",
    "validate_file",
]
