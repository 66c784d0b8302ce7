"""Model serving: training, the loaded model, prediction routes and fan-out to upstream models."""
