"""Catalog objects as plain dicts: the stable JSON shape of ``gpus``, ``prices`` and ``models``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flopfolio.catalog.catalog import Catalog
from flopfolio.catalog.offers import Offer


def accelerator_dicts(catalog: Catalog) -> list[dict[str, Any]]:
    rows = []
    for acc in catalog.accelerators.values():
        rows.append({
            "id": acc.id,
            "name": acc.name,
            "vendor": acc.vendor,
            "form_factor": acc.form_factor,
            "memory_gib": acc.memory_gib,
            "memory_bw_gb_per_s": acc.memory_bw_gb_per_s,
            "peak_tflops": {p.value: rate / 1e12 for p, rate in acc.peak_flop_per_s},
            "tdp_w": acc.tdp_w,
            "intra_node_gb_per_s": acc.intra_node_gb_per_s,
            "scale_out_gb_per_s": acc.scale_out_gb_per_s,
            "node_size": acc.node_size,
            "release_year": acc.release_year,
            "source": acc.source,
            "as_of": acc.as_of.isoformat(),
            "origin": acc.origin,
        })  # fmt: skip
    return rows


def offer_dicts(offers: Iterable[Offer]) -> list[dict[str, Any]]:
    return [
        {
            "provider": o.provider,
            "accelerator_id": o.accelerator_id,
            "region": o.region,
            "term": o.term,
            "usd_per_gpu_hour": o.usd_per_gpu_hour,
            "instance_type": o.instance_type,
            "gpus_per_instance": o.gpus_per_instance,
            "status": o.status,
            "source": o.source,
            "as_of": o.as_of.isoformat(),
            "note": o.note,
            "origin": o.origin,
            "availability": o.terms.availability,
            "lead_time_weeks": o.terms.lead_time_weeks,
            "egress_usd_per_gb": o.terms.egress_usd_per_gb,
            "delivery": o.terms.delivery,
            "nvlink_domain": o.terms.nvlink_domain,
            "scale_out_gb_per_s_per_gpu": o.terms.scale_out_gb_per_s_per_gpu,
            "terms_source": o.terms.source,
            "terms_as_of": o.terms.as_of.isoformat() if o.terms.as_of else None,
        }
        for o in offers
    ]


def preset_dicts(catalog: Catalog) -> list[dict[str, Any]]:
    rows = []
    for preset in catalog.presets.values():
        spec = preset.spec
        rows.append({
            "id": preset.id,
            "name": preset.name,
            "family": preset.family,
            "architecture": preset.architecture,
            "params_published": preset.params_published,
            "active_params_published": preset.active_params_published,
            "params_from_shape": spec.params if spec.has_shape else None,
            "attention": spec.attention.value if spec.has_shape else None,
            "layers": spec.layers or None,
            "hidden": spec.hidden or None,
            "seq_len": spec.seq_len if spec.has_shape else None,
            "source": preset.source,
            "as_of": preset.as_of.isoformat(),
            "origin": preset.origin,
        })  # fmt: skip
    return rows
