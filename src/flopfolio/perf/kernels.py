"""What the training and serving models both assume about kernels and links, in one place."""

from __future__ import annotations

# Hopper/Blackwell tensor-core GEMM tiles: 64-256 rows; 128 is the common one. A grouped expert
# GEMM runs each expert's rows on whole tiles, so an expert with few tokens pads its last tile.
GEMM_TILE_ROWS = 128
# Interconnect figures missing from the catalog: PCIe Gen4 x16 one way, and 100 GbE shared by 8.
FALLBACK_INTRA_GB_PER_S = 32.0
FALLBACK_SCALE_OUT_GB_PER_S = 1.5625
