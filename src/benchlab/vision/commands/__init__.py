"""The ``benchlab vision`` commands, one module each, imported only when one runs."""
