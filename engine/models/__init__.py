"""Model families behind one protocol (engine.models.base.Model), built by one factory.

A family is one module here. The trainer calls `build_model` and then only what `Model` offers.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from engine.config import Config, ModelFamily
from engine.models.base import Model, Penalties, Traced, bind_parameters, data_loss, flatten_parameters
from engine.models.mlp import MLP
from engine.models.recurrent import Recurrent

__all__ = [
    "MLP", "Generators", "Model", "Penalties", "Recurrent", "Traced", "bind_parameters", "build_model", "data_loss",
    "flatten_parameters",
]


class Generators(NamedTuple):
    init: torch.Generator  # draws the initial weights (on the CPU, so they do not depend on the device)
    dropout: torch.Generator  # draws the dropout masks, on the training device


def build_model(config: Config, n_inputs: int, n_outputs: int, generators: Generators) -> Model:
    """The network `config` describes, initialized from `generators.init`. A new family is a
    ModelFamily member, its module here and its line in FAMILIES."""
    return FAMILIES[config.model](n_inputs, n_outputs, config, generators.init, generators.dropout)


FAMILIES: dict[ModelFamily, type[Model]] = {
    ModelFamily.MLP: MLP,
    ModelFamily.RNN: Recurrent,
    ModelFamily.LSTM: Recurrent,
    ModelFamily.GRU: Recurrent,
}
