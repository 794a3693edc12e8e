"""Compare any task's models: the engine's evaluation, shared by every task.

- :mod:`benchlab.evaluation.leaderboard` ranks experiments on one metric over a small result
  protocol (:class:`~benchlab.evaluation.leaderboard.ExperimentRecord`,
  :class:`~benchlab.evaluation.leaderboard.Leaderboard`).
- :mod:`benchlab.evaluation.statistics` says whether a difference is real: bootstrap intervals
  (``bootstrap_ci``, ``paired_bootstrap``), McNemar's test for classifiers, the Diebold–Mariano
  test for forecasts, and ``pairwise_tests`` over every pair of models (Holm–Bonferroni).

Import from the modules themselves; this package imports nothing, so loading one of them
never loads the other.
"""
