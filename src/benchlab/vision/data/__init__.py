"""Vision data: the digits generator, ``raw/<class>/<file>`` scanning, index-file splits,
datasets, transforms and loaders. Each module imports PIL/torch/sklearn only where it needs them.
"""
