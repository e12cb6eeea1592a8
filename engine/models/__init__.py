"""Model families behind one protocol (engine.models.base.Model), built by one factory.

A family is one module here. The trainer calls `build_model` and then only what `Model` offers.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from engine.config import Config
from engine.models.base import Model, flatten_parameters
from engine.models.mlp import MLP

__all__ = ["MLP", "Generators", "Model", "build_model", "flatten_parameters"]


class Generators(NamedTuple):
    init: torch.Generator  # draws the initial weights (on the CPU, so they do not depend on the device)
    dropout: torch.Generator  # draws the dropout masks, on the training device


def build_model(config: Config, n_inputs: int, n_outputs: int, generators: Generators) -> Model:
    """The network `config` describes, initialized from `generators.init`. One family today; a
    second one is a Config enum and a {member: class} table here, each class built this way."""
    return MLP(n_inputs, n_outputs, config, generators.init, generators.dropout)
