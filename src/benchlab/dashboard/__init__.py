"""The dashboard: a Gradio app over the run folders of any task (``benchlab dashboard``).

- :mod:`benchlab.dashboard.runs` reads run folders (``runs/<task>/<dataset>/<run_id>/``);
- :mod:`benchlab.dashboard.nps` computes customer and model Net Promoter Scores;
- :mod:`benchlab.dashboard.views` turns chosen runs into each tab's tables and figures;
- :mod:`benchlab.dashboard.app` places them in five tabs (Leaderboard, Analysis, Training,
  NPS, Methodology) and serves them.

Import from the modules themselves; this package imports nothing (Gradio and Plotly are
imported inside the functions that need them).
"""
