"""Chapter *Models*: the visible states of every model and their entanglement entropy."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import store
from ..measures import entropy, purity, trace_distance
from ..parallel import map_instances
from ..params import chapter_params
from .ensembles import MODELS, visible_states

EXPERIMENT = "visible-entropy"


def _chunk(seeds, *, model, n_visible, n_hidden):
    rho = visible_states(model, n_visible, n_hidden, seeds)
    d_v = rho.shape[-1]
    return pd.DataFrame(
        {
            "entropy_nats": entropy(rho),
            "purity": purity(rho),
            "trace_distance": trace_distance(rho, np.eye(d_v) / d_v),
        }
    )


def visible_entropy(params: dict, *, recompute: bool = False) -> pd.DataFrame:
    """One row per model, hidden size and instance: S(rho_v) in nats, purity, T(rho_v, I/D_v)."""
    params = chapter_params("models", params["scale"], **{k: v for k, v in params.items() if k not in ("chapter", "scale")})

    def compute() -> pd.DataFrame:
        frames = []
        for m_index, model in enumerate(MODELS):
            for n_hidden in params["n_hidden"]:
                df = map_instances(
                    _chunk,
                    params["instances"],
                    seed=[params["seed"], m_index, n_hidden],
                    model=model,
                    n_visible=params["n_visible"],
                    n_hidden=n_hidden,
                    desc=f"{model}, n_h={n_hidden}",
                )
                frames.append(df.assign(model=model, n_visible=params["n_visible"], n_hidden=n_hidden))
        cols = ["model", "n_visible", "n_hidden", "instance", "entropy_nats", "purity", "trace_distance"]
        return pd.concat(frames, ignore_index=True)[cols]

    return store.cached("models", params["scale"], EXPERIMENT, params, compute, recompute=recompute)
