"""Moving between the model families: an mlp takes the 2-D data sets, a recurrent net (rnn, lstm,
gru) the sequence ones, and each has options the other refuses. A learner's one choice (a model,
or a data set of the other kind) becomes one valid configuration change, so that the run state
validates it once and rebuilds once: choosing lstm on the spiral moves the data set to recall and
the depth to 1; choosing mlp again brings back the data set and depth the mlp had.
"""

from __future__ import annotations

from typing import Any

from engine import SEQUENCE_DATASETS, Config, Dataset, Init, ModelFamily

#: the keys each kind keeps while the other is shown: restored when the learner comes back
KIND_KEYS = {False: ("dataset", "depth", "batch_norm", "residual", "init"), True: ("dataset", "depth", "model")}
#: what a kind starts from when it was never shown in this window: the issue's own pairing
FIRST = {
    False: {"dataset": Dataset.SPIRAL, "depth": Config().depth, "batch_norm": False, "residual": False, "init": Config().init},
    True: {"dataset": Dataset.RECALL, "depth": 1, "model": ModelFamily.LSTM},
}
#: an init valid for every recurrent family, for a net leaving rnn's identity init: the engine's
#: own suggestion when it refuses identity for lstm and gru
RECURRENT_INIT = Init.ORTHOGONAL


class FamilySwitch:
    """Remembers each kind's settings (mlp, recurrent) and turns one edit into the changes that
    keep the configuration valid. `changes` is pure; `left` records a kind once the run state has
    accepted a switch away from it."""

    def __init__(self) -> None:
        self._kept: dict[bool, dict[str, Any]] = {}  # is_recurrent -> that kind's settings when left

    def changes(self, config: Config, key: str, value: Any) -> dict[str, Any]:
        """{key: value} and whatever must move with it. Only `model` and `dataset` bring company."""
        changes = {key: value}
        if key == "model":
            try:
                model = ModelFamily(value)
            except ValueError:
                return changes  # the engine says why
        elif key == "dataset" and _is_sequence(value) != config.is_recurrent:
            model = self._restored(True)["model"] if _is_sequence(value) else ModelFamily.MLP
            changes["model"] = model
        else:
            return changes
        recurrent = model is not ModelFamily.MLP
        if recurrent != config.is_recurrent:  # the other kind: its own settings back
            kept = {k: v for k, v in self._restored(recurrent).items() if k != "model"}
            if recurrent:
                kept.update(batch_norm=False, residual=False)  # options only an mlp has
            elif config.init is not Init.IDENTITY:
                kept.pop("init")  # the learner's init goes on, unless only an rnn can have it
            changes = {**kept, **changes}  # the edited key wins: a data set the learner picked
        if model is not ModelFamily.RNN and changes.get("init", config.init) is Init.IDENTITY and recurrent:
            changes["init"] = RECURRENT_INIT
        return {k: v for k, v in changes.items() if k == key or getattr(config, k) != v}

    def left(self, old: Config, new: Config) -> None:
        """The run state accepted `new`: if it is of the other kind, remember what `old` had."""
        if old.is_recurrent != new.is_recurrent:
            self._kept[old.is_recurrent] = {k: getattr(old, k) for k in KIND_KEYS[old.is_recurrent]}

    def _restored(self, recurrent: bool) -> dict[str, Any]:
        return {**FIRST[recurrent], **self._kept.get(recurrent, {})}


def _is_sequence(dataset: Any) -> bool:
    try:
        return Dataset(dataset) in SEQUENCE_DATASETS
    except ValueError:
        return False
