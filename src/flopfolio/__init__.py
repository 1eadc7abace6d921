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
    from flopfolio.catalog.accelerators import Accelerator
    from flopfolio.catalog.api_prices import ApiPrice
    from flopfolio.catalog.catalog import Catalog, load_catalog
    from flopfolio.catalog.models import ModelPreset
    from flopfolio.catalog.offers import Offer
    from flopfolio.economics.band import Band
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
    from flopfolio.estimates import estimate_serving, estimate_training_run
    from flopfolio.perf.inference import InferenceEstimate, estimate_inference
    from flopfolio.perf.training import TrainingEstimate, estimate_training
    from flopfolio.results.inference import InferenceResult
    from flopfolio.results.training import TrainingResult
    from flopfolio.validation.runs import ValidationReport, validate_file
    from flopfolio.workload.flops import (
        FlopConvention,
        inference_flops_per_token,
        napkin_inference_flops,
        napkin_training_flops,
        training_flops,
    )
    from flopfolio.workload.precision import Precision
    from flopfolio.workload.transformer import TransformerSpec

__version__ = "0.1.0"

# Names are imported on first use, so `flopfolio --help` does not load every model (DESIGN rule 5).
_WHERE = {
    "Accelerator": "flopfolio.catalog.accelerators",
    "ApiPrice": "flopfolio.catalog.api_prices",
    "Band": "flopfolio.economics.band",
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
    "Precision": "flopfolio.workload.precision",
    "TrainingEstimate": "flopfolio.perf.training",
    "TrainingResult": "flopfolio.results.training",
    "TransformerSpec": "flopfolio.workload.transformer",
    "UnknownAcceleratorError": "flopfolio.errors",
    "UnknownModelError": "flopfolio.errors",
    "UnknownProviderError": "flopfolio.errors",
    "UnsupportedPrecisionError": "flopfolio.errors",
    "ValidationReport": "flopfolio.validation.runs",
    "estimate_inference": "flopfolio.perf.inference",
    "estimate_serving": "flopfolio.estimates",
    "estimate_training": "flopfolio.perf.training",
    "estimate_training_run": "flopfolio.estimates",
    "inference_flops_per_token": "flopfolio.workload.flops",
    "load_catalog": "flopfolio.catalog.catalog",
    "napkin_inference_flops": "flopfolio.workload.flops",
    "napkin_training_flops": "flopfolio.workload.flops",
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
    "estimate_inference",
    "estimate_serving",
    "estimate_training",
    "estimate_training_run",
    "inference_flops_per_token",
    "load_catalog",
    "napkin_inference_flops",
    "napkin_training_flops",
    "training_flops",
    "validate_file",
]
