"""Analyses beyond one trace: decomposition of predictions, unit ordering, unit search,
gate saturation and saliency. Import the submodule you need (``rnnviz.analysis.search``...)."""
