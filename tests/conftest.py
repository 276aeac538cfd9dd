"""Shared fixtures: a small real dataset file, the bundled tokenizer, and a tiny random model on disk."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

BUNDLED = "bundled:SmolLM2-135M-Instruct"


def make_records(per_source: int = 2) -> list[dict]:
    """A small dataset in the seed's schema: 12 sources, all three categories."""
    calc = [
        ("What is 17 * 23?", "17 * 23", "391"),
        ("A shirt costs $40 and is 25% off. What is the price now?", "40 * (1 - 0.25)", "30"),
        ("Split a $96 bill between 4 friends.", "96 / 4", "24"),
        ("What is the square root of 144 plus 6?", "sqrt(144) + 6", "18"),
    ]
    code = [
        ("Reverse the string 'tinker'.", "print('tinker'[::-1])", "reknit"),
        ("How many vowels are in 'education'?", "print(sum(c in 'aeiou' for c in 'education'))", "5"),
        ("Sort the list [5, 3, 9, 1] in ascending order.", "print(sorted([5, 3, 9, 1]))", "[1, 3, 5, 9]"),
        ("What is the 10th Fibonacci number?", "a, b = 0, 1\nfor _ in range(10):\n    a, b = b, a + b\nprint(a)", "55"),
    ]
    chat = [
        ("What is the capital of France?", "The capital of France is Paris."),
        ("Hi there!", "Hello! How can I help you today?"),
        ("What does a Python list comprehension do?", "It builds a list from an iterable in one expression."),
        ("Name a primary color.", "Red is a primary color."),
    ]
    records = []
    for k in range(per_source):
        for i, (prompt, expr, ans) in enumerate(calc):
            records.append(
                {
                    "id": f"calc_{i}_{k}",
                    "source": f"test_calc/t{i}",
                    "category": "calculator",
                    "tool_needed": True,
                    "tool": "calculator",
                    "tool_args": {"expression": expr},
                    "prompt": prompt + " " * k,
                    "expected_answer": ans,
                }
            )
        for i, (prompt, src, ans) in enumerate(code):
            records.append(
                {
                    "id": f"py_{i}_{k}",
                    "source": f"test_py/t{i}",
                    "category": "python_exec",
                    "tool_needed": True,
                    "tool": "python",
                    "tool_args": {"code": src},
                    "prompt": prompt + " " * k,
                    "expected_answer": ans,
                }
            )
        for i, (prompt, ans) in enumerate(chat):
            records.append(
                {
                    "id": f"chat_{i}_{k}",
                    "source": f"test_chat/t{i}",
                    "category": "no_tool",
                    "tool_needed": False,
                    "tool": None,
                    "tool_args": None,
                    "prompt": prompt + " " * k,
                    "expected_answer": ans,
                }
            )
    return records


@pytest.fixture
def dataset_records() -> list[dict]:
    return make_records()


@pytest.fixture
def dataset_file(tmp_path: Path, dataset_records: list[dict]) -> Path:
    path = tmp_path / "data" / "tool_calling_sft_dataset.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(dataset_records, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tokenizer():
    from sft.engines.models import load_tokenizer

    return load_tokenizer(BUNDLED)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, tokenizer) -> Path:
    """A randomly initialised 2-layer Llama with the bundled tokenizer, saved as a Hugging Face directory."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    path = tmp_path_factory.mktemp("models") / "tiny-llama"
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
