"""benchlab.forecast.release."""
