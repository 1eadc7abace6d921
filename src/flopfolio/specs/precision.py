"""Numeric precisions: bytes per value and the catalog column that holds each one's dense rate."""

from __future__ import annotations

from enum import StrEnum

from flopfolio.errors import unknown_choice


class Precision(StrEnum):
    FP32 = "fp32"
    TF32 = "tf32"
    BF16 = "bf16"
    FP16 = "fp16"
    FP8 = "fp8"
    FP4 = "fp4"
    INT8 = "int8"
    INT4 = "int4"

    @property
    def bytes_per_value(self) -> float:
        return _BYTES[self]

    @classmethod
    def parse(cls, text: str) -> Precision:
        key = text.strip().lower().replace("-", "").replace("_", "")
        key = _ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise unknown_choice("precision", text, (p.value for p in cls)) from None


# TF32 stores fp32 values; only the matmul inputs are rounded. FP4 is stored as NVFP4: 4-bit values
# plus one FP8 (E4M3) scale per 16 values, 4.5 bits per value (MXFP4's E8M0 scale per 32 values
# is 4.25 bits; both are read as fp4 and counted at NVFP4's 4.5, within 6%).
_BYTES = {
    Precision.FP32: 4.0,
    Precision.TF32: 4.0,
    Precision.BF16: 2.0,
    Precision.FP16: 2.0,
    Precision.FP8: 1.0,
    Precision.FP4: 4.5 / 8,
    Precision.INT8: 1.0,
    Precision.INT4: 0.5,
}
_ALIASES = {
    "float32": "fp32",
    "float16": "fp16",
    "half": "fp16",
    "bfloat16": "bf16",
    "float8": "fp8",
    "nvfp4": "fp4",
    "mxfp4": "fp4",
}
