"""The task-independent half of tuning: search spaces, studies and resource keys."""

from __future__ import annotations

import optuna
import pytest
from pydantic import ValidationError

from benchlab.errors import InputError
from benchlab.forecast.tuning import _resource_params
from benchlab.tuning import ParamSpace, TuningConfig, open_study, suggest

SPACE = {"models.0.num_leaves": {"type": "int", "low": 4, "high": 8}}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "categorical"}, "non-empty 'choices'"),
        ({"type": "int", "low": 3}, "needs 'low' and 'high'"),
        ({"type": "loguniform", "low": 0.0, "high": 1.0}, "log scale needs low > 0"),
        ({"type": "normal", "low": 0, "high": 1}, "type"),
    ],
)
def test_bad_distributions_are_refused(spec: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ParamSpace(**spec)


def test_suggest_draws_each_kind_inside_its_bounds() -> None:
    space = {
        "a": ParamSpace(type="int", low=2, high=10, step=2),
        "b": ParamSpace(type="loguniform", low=1e-3, high=1e-1),
        "c": ParamSpace(type="uniform", low=0.5, high=0.9),
        "d": ParamSpace(type="categorical", choices=["l2", "tweedie"]),
    }
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(20):
        values = suggest(study.ask(), space)
        assert values["a"] in {2, 4, 6, 8, 10}
        assert 1e-3 <= values["b"] <= 1e-1 and 0.5 <= values["c"] <= 0.9
        assert values["d"] in {"l2", "tweedie"}


def test_an_existing_study_needs_resume(tmp_path) -> None:
    config = TuningConfig(search_space=SPACE)
    url = f"sqlite:///{tmp_path / 'sub' / 'optuna.db'}"
    first = open_study(config, url=url, study_name="s", resume=False, seed=0)
    first.optimize(lambda t: t.suggest_int("x", 0, 3), n_trials=2)
    with pytest.raises(InputError, match="already exists.*--resume"):
        open_study(config, url=url, study_name="s", resume=False, seed=0)
    resumed = open_study(config, url=url, study_name="s", resume=True, seed=0)
    assert len(resumed.trials) == 2


def test_an_unusable_storage_url_is_one_clear_error(tmp_path) -> None:
    config = TuningConfig(search_space=SPACE)
    with pytest.raises(InputError, match="tuning.storage 'nosuchdb://x'"):
        open_study(config, url="nosuchdb://x", study_name="s", resume=False, seed=0)


def test_resource_keys_reach_only_models_that_take_them() -> None:
    config = TuningConfig(search_space=SPACE, accelerator="cpu", dataloader_workers=0, devices=1)
    assert _resource_params(config, "lightning_quantile") == {
        "dataloader_workers": 0,
        "accelerator": "cpu",
        "devices": 1,
    }
    assert _resource_params(config, "lightgbm_standard") == {}
