"""How a mixture-of-experts router spreads tokens over expert-parallel ranks, and what moving the
tokens into expert order costs.

Load. With top-``k`` routing over ``E`` experts split evenly over ``e`` expert-parallel ranks,
each token sends to a given rank as many rows as it has chosen experts there: ``k`` distinct
experts drawn from ``E``, so a hypergeometric count with mean ``k/e`` and variance
``k·(1/e)·(1-1/e)·(E-k)/(E-1)``. Over ``T`` tokens routed independently a rank receives
``μ = T·k/e`` rows on average, with ``σ² = T`` times that variance, and the layer waits for the
most loaded rank. The loads sum to ``T·k``, so any two are correlated ``-1/(e-1)``, and the
expected largest of ``e`` equicorrelated normal loads is ``μ + z_e·σ·√(e/(e-1))``, with ``z_e``
Blom's approximation of the expected maximum of ``e`` independent standard normals,
``Φ⁻¹((e - 0.375)/(e + 0.25))`` (0.59 for 2, 1.43 for 8). That is the imbalance of a router that is perfectly balanced on average, the floor:
learned routers are worse unless trained against it (DeepSeek-V2's device-level balance loss,
DeepSeek-V3's bias terms), and no published run we validate on measures by how much, so only
the floor is modelled.

Permutation. Before the dispatch all-to-all each token's hidden state is copied once per chosen
expert into expert order, and after the combine the ``k`` outputs are gathered back and summed
(Megatron-Core's ``moe_permute``/``moe_unpermute``, MegaBlocks' gather and scatter): per MoE
layer, forward, ``T·h`` elements read and ``T·k·h`` written, then ``T·k·h`` read and ``T·h``
written; the backward moves as much again.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flopfolio.perf.parallel import Array


def _expected_max_z(ranks: float) -> float:
    """Blom's approximation of the expected largest of ``ranks`` standard normal draws."""
    if ranks <= 1:
        return 0.0
    return NormalDist().inv_cdf((ranks - 0.375) / (ranks + 0.25))


def busiest_rank_factor(
    tokens: Array | float, experts: int, active: int, ranks: Array | float
) -> Array:
    """The expected load of the most loaded of ``ranks`` expert-parallel ranks over the mean
    load, when ``tokens`` tokens each pick ``active`` of ``experts`` experts uniformly (1 for a
    single rank)."""
    import numpy as np

    tokens_arr, ranks_arr = np.broadcast_arrays(np.asarray(tokens, float), np.asarray(ranks, float))
    z = np.vectorize(_expected_max_z, otypes=[float])(ranks_arr)
    share = 1.0 / ranks_arr
    draw = (experts - active) / (experts - 1) if experts > 1 else 0.0
    variance = tokens_arr * active * share * (1.0 - share) * draw
    mean = tokens_arr * active * share
    correlated = np.sqrt(ranks_arr / np.maximum(ranks_arr - 1.0, 1.0))
    result: Array = 1.0 + z * correlated * np.sqrt(variance) / np.maximum(mean, 1e-30)
    return result


def permutation_elements(
    tokens: Array | float, hidden: float, active: int, *, backward: bool = True
) -> Array:
    """Elements read and written per MoE layer to put ``tokens`` tokens in expert order and back:
    forward and backward (training), or forward only (serving: ``backward=False``)."""
    import numpy as np

    passes = 2.0 if backward else 1.0
    result: Array = passes * 2.0 * np.asarray(tokens, float) * hidden * (active + 1)
    return result
