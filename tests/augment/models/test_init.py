"""``benchlab.augment.models`` exports lazily: no exported name is shadowed by a submodule (an
imported submodule becomes an attribute of its package, before ``__getattr__`` is asked)."""

from __future__ import annotations

import subprocess
import sys


def test_no_export_is_shadowed_by_an_imported_submodule() -> None:
    code = (
        "import importlib, sys, types\n"
        "for part in ('weights', 'networks', 'encoder', 'generator', 'discriminator'):\n"
        "    importlib.import_module(f'benchlab.augment.models.{part}')\n"
        "print('lightning' in sys.modules)\n"
        "import benchlab.augment.models as models\n"
        "print([n for n in models.__all__ if isinstance(vars(models).get(n), types.ModuleType)])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["False", "[]"]
