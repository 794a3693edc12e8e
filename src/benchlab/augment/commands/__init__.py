"""The ``benchlab augment`` commands, one module each, imported only when one runs."""
