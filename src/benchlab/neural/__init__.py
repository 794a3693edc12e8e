"""The Lightning harness every neural task uses: seeding, process state, Trainer, checkpoints.

Importing this package imports neither torch nor Lightning; they are imported when a session
opens or a module is fitted.

>>> from benchlab.neural import TrainerSettings
>>> TrainerSettings(max_epochs=3).monitor
'val_loss'
"""

from benchlab.neural.session import (
    kept_process_state,
    quiet_lightning,
    require_neural,
    torch_session,
    uses_gpu,
)
from benchlab.neural.trainer import FitOutcome, TrainerSettings, fit_module

__all__ = [
    "FitOutcome",
    "TrainerSettings",
    "fit_module",
    "kept_process_state",
    "quiet_lightning",
    "require_neural",
    "torch_session",
    "uses_gpu",
]
