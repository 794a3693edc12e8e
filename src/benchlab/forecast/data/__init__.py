"""benchlab.forecast.data."""
