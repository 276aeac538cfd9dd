"""Choosing what ``sft.evaluate --data`` scores, and the side-by-side and Markdown outputs."""

from __future__ import annotations

from collections import Counter

from sft.data_loader import Sample
from sft.evaluate import format_comparison, markdown_summary, stratified_sample
from sft.metrics import score_sample, summarize


def _samples() -> list[Sample]:
    out = []
    for i in range(60):
        category = ("calculator", "python_exec", "no_tool")[0 if i < 30 else 1 if i < 50 else 2]
        tool = {"calculator": "calculator", "python_exec": "python", "no_tool": None}[category]
        args = {"calculator": {"expression": "1+1"}, "python_exec": {"code": "print(2)"}, "no_tool": None}[category]
        out.append(Sample(f"s{i}", f"fam/{i % 4}", category, tool is not None, tool, args, f"prompt {i}", "2"))
    return out


def test_a_sample_keeps_each_categorys_share_and_the_files_order_and_is_seeded() -> None:
    samples = _samples()
    picked = stratified_sample(samples, 12, seed=3)
    assert Counter(s.category for s in picked) == {"calculator": 6, "python_exec": 4, "no_tool": 2}
    positions = [samples.index(s) for s in picked]
    assert positions == sorted(positions)
    assert picked == stratified_sample(samples, 12, seed=3) and picked != stratified_sample(samples, 12, seed=4)
    assert stratified_sample(samples, 100, seed=0) == samples


def test_the_comparison_and_the_summary_show_each_rate_with_its_interval() -> None:
    samples = _samples()[:4]
    good = [score_sample(s, '{"tool": "calculator", "args": {"expression": "1+1"}}') for s in samples]
    bad = [score_sample(s, "not json") for s in samples]
    table = format_comparison({"base (untrained)": summarize(bad), "final_checkpoint": summarize(good)})
    correct_tool = next(line for line in table.splitlines() if line.startswith("correct tool"))
    assert "0.0% [0-49]" in correct_tool and "100.0% [51-100]" in correct_tool
    page = markdown_summary("final_checkpoint", "run-1", "4 validation samples", 1.5, summarize(bad), samples, bad)
    assert "| correct tool | 0.0% [0-49] |" in page
    assert page.count("  - predicted `not json`") == 4 and "| fam/0 | 1 | 1 | invalid_json x1 |" in page
