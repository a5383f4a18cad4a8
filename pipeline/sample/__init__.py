"""The seeded generator of messy sample logs (`python -m pipeline.sample`). Never imported
by the stages."""
