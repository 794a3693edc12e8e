"""One message for a name that is not in a list: what was asked, where, and the close names."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from benchlab.errors import InputError


def unknown_name(kind: str, name: str, known: Sequence[str], *, key: str) -> InputError:
    """``unknown torchvision architecture 'resnt18' (model.architecture); close names: …``.

    >>> str(unknown_name("custom architecture", "simple_cn", ["simple_cnn", "tiny_net"],
    ...                  key="model.custom_architecture"))
    "unknown custom architecture 'simple_cn' (model.custom_architecture); close names: simple_cnn"
    """
    close = difflib.get_close_matches(name, list(known), n=5, cutoff=0.5)
    if close:
        hint = f"close names: {', '.join(close)}"
    elif len(known) <= 10:
        hint = f"known: {', '.join(known)}"
    else:
        hint = f"none of the {len(known)} known names is close"
    return InputError(f"unknown {kind} {name!r} ({key}); {hint}")
