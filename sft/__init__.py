"""Supervised fine-tuning of a tool-calling LLM that answers with one JSON object.

Modules follow the pipeline: ``data_loader`` -> ``prompt_builder`` -> ``datum_builder`` -> an engine from
``sft.engines`` -> ``train`` / ``evaluate``, with ``metrics`` shared by validation and evaluation and ``tools``
running the calculator and the sandboxed Python runner for real.
"""

__version__ = "0.1.0"
