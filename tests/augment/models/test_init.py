"""``benchlab.augment.models`` exports lazily: every name is its object, never a submodule."""

from __future__ import annotations

import subprocess
import sys


def test_every_export_is_its_object_once_the_submodules_are_imported() -> None:
    code = (
        "import importlib, sys, types\n"
        "for part in ('weights', 'networks', 'encoder', 'generator', 'discriminator'):\n"
        "    importlib.import_module(f'benchlab.augment.models.{part}')\n"
        "print('lightning' in sys.modules)\n"
        "import benchlab.augment.models as models\n"
        "print([n for n in models.__all__ if isinstance(getattr(models, n), types.ModuleType)])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["False", "[]"]
