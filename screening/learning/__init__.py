"""Learning: train screening models from the corpus and reviewers' decisions, gate and store them.

Layers point one way: parse → segment → screen → ledger → reports. Learning sits above screen
and ledger — it reads the decisions the ledger records (``decisions``) and trains the models
``screen`` scores with (``train``) — so neither of those imports it; the CLI is on top.
``retrain`` evaluates a candidate on the fixed evaluation set (``evalset``) and promotes it
through the ``gate``; ``store`` keeps the model folders and the current-model pointer; ``card``
is the typed model card; ``first_use`` trains explicitly when there is no usable model.
"""
