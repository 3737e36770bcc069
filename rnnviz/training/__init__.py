"""Training: recipes, task data, the one training loop, evaluation, live and code-model training.

Modules (imported on demand; this package imports none of them, so the app's live-training page
loads only :mod:`.loop` and :mod:`.live`, never the corpora or the recipes):

- :mod:`.recipes`   one ``Recipe`` per shipped model (``RECIPES``)
- :mod:`.tasks`     corpus → examples → padded tensors per task; the loss per task
- :mod:`.loop`      the training loop all models share (Adam, clipping, schedule, budget, best epoch)
- :mod:`.shipped`   ``python -m rnnviz.train NAME``: fit a recipe, save it with its config
- :mod:`.evaluate`  scores, test-split evaluation, references (``python -m rnnviz.evaluate``)
- :mod:`.cards`     model cards from a config
- :mod:`.live`      the counting model trained in about a minute (the live-training page)
- :mod:`.codelm`    the character-level LSTM of Python source (the code-cells page's model)
"""
