"""Execution-based self-consistency: the vote over replies, with the project's real tools."""

from __future__ import annotations

import asyncio
import json

from sft.engines.local import LocalServiceClient
from sft.sampling import tool_functions, vote, vote_replies


def calc(expression: str) -> str:
    return json.dumps({"tool": "calculator", "args": {"expression": expression}})


def test_the_most_common_result_wins_even_when_written_differently() -> None:
    run, _ = tool_functions()
    greedy = calc("2480 * (1 + 17.5 / 100)")  # the wrong reading of "17.5% of 2,480"
    replies = [greedy, calc("2480 * 17.5 / 100"), calc("0.175 * 2480"), calc("2480 * (1 + 0.175)")]
    assert vote(replies, run) == 0  # 2914 twice, 434 twice: a tie keeps the greedy reply
    replies.append(calc("17.5 * 2480 / 100"))
    assert vote(replies, run) == 1  # 434 three times, from three different expressions: the first of them


def test_ties_and_failures_go_to_the_greedy_reply() -> None:
    run, _ = tool_functions()
    assert vote([calc("1 + 1"), calc("2 + 1")], run) == 0  # one each: greedy keeps it
    assert vote(["not json", "{}", calc("1 / 0")], run) == 0  # nothing ran: greedy, whatever it is
    # A failing greedy call loses to any call that ran.
    assert vote([calc("1 / 0"), calc("6 * 7")], run) == 1
    python = json.dumps({"tool": "python", "args": {"code": "print(sum(range(10)))"}})
    # Votes count per decision: two calculator calls giving 45 (as 45 and 45.0) beat one python call and one
    # direct answer giving 45.
    replies = [calc("1 / 0"), json.dumps({"final": "45"}), python, calc("9 * 10 / 2"), calc("45")]
    assert vote(replies, run) == 3


def test_direct_answers_vote_by_their_text() -> None:
    run, _ = tool_functions()
    finals = [json.dumps({"final": t}) for t in ("Paris.", "Lyon", "paris.", "  Paris. ")]
    assert vote(finals, run) == 0  # "paris." three times, greedy among them


def test_vote_replies_on_a_real_model_returns_one_reply_per_prompt_and_counts_every_token(
    tmp_path, tiny_model_dir, tokenizer
) -> None:
    service = LocalServiceClient(save_root=tmp_path, device="cpu", precision="fp32")
    sampler = service.create_sampling_client(base_model=str(tiny_model_dir)).result()
    prompts = ["What is 2 + 2?", "Sort [3, 1, 2]."]
    replies = asyncio.run(vote_replies(sampler, tokenizer, prompts, max_new_tokens=8, samples=3))
    assert len(replies) == 2
    for text, tokens in replies:
        assert isinstance(text, str)
        assert 4 <= tokens <= 4 * 8  # the greedy reply and 3 samples, at most 8 tokens each
