"""Prompts and datums: exact tokens, shift and weights with the real bundled tokenizer."""

from __future__ import annotations

import pytest

from sft.data_loader import Sample
from sft.datum_builder import SequenceTooLongError, build_datum, build_generation_prompt, tokenize_sample
from sft.prompt_builder import END_OF_TURN, SYSTEM_PROMPT, build_messages, render_instruction, render_target

CALC = Sample("c1", "t/c", "calculator", True, "calculator", {"expression": "2+2"}, "What is 2 plus 2?", "4")
CHAT = Sample("n1", "t/n", "no_tool", False, None, None, "Say hi", "Hi!")


def test_instruction_is_the_tokenizers_own_chat_template(tokenizer) -> None:
    expected = tokenizer.apply_chat_template(
        build_messages("What is 2 plus 2?"), tokenize=False, add_generation_prompt=True
    )
    assert render_instruction("What is 2 plus 2?") == expected


def test_targets_are_canonical_one_line_json_ending_with_end_of_turn() -> None:
    assert render_target(CALC) == '{"tool": "calculator", "args": {"expression": "2+2"}}' + END_OF_TURN
    assert render_target(CHAT) == '{"final": "Hi!"}' + END_OF_TURN


def test_datum_tokens_shift_and_weights_are_exact(tokenizer) -> None:
    instruction = tokenizer.encode(render_instruction(CALC.prompt), add_special_tokens=False)
    target = tokenizer.encode(render_target(CALC), add_special_tokens=False)
    tokens = instruction + target
    datum = build_datum(CALC, tokenizer, max_length=512)

    assert datum.model_input.to_ints() == tokens[:-1]
    assert datum.loss_fn_inputs["target_tokens"].to_numpy().tolist() == tokens[1:]
    weights = datum.loss_fn_inputs["weights"].to_numpy().tolist()
    # After the shift, position i predicts tokens[i + 1]: weight 1 exactly where that token is in the target.
    assert weights == [0.0] * (len(instruction) - 1) + [1.0] * len(target)


def test_instruction_weighs_zero_and_json_plus_end_of_turn_weigh_one(tokenizer) -> None:
    tok = tokenize_sample(CALC, tokenizer)
    weighted = [t for t, w in zip(tok.tokens, tok.weights) if w == 1.0]
    unweighted = [t for t, w in zip(tok.tokens, tok.weights) if w == 0.0]
    assert tokenizer.decode(weighted) == '{"tool": "calculator", "args": {"expression": "2+2"}}' + END_OF_TURN
    assert weighted[-1] == tokenizer.convert_tokens_to_ids(END_OF_TURN)
    assert tokenizer.decode(unweighted) == render_instruction(CALC.prompt)
    assert SYSTEM_PROMPT in tokenizer.decode(unweighted)


def test_too_long_sample_is_refused_not_truncated(tokenizer) -> None:
    length = len(tokenize_sample(CALC, tokenizer).tokens)
    assert build_datum(CALC, tokenizer, max_length=length).model_input.length == length - 1
    with pytest.raises(SequenceTooLongError, match="'c1'.*exceed max_length"):
        build_datum(CALC, tokenizer, max_length=length - 1)


def test_generation_prompt_is_the_training_instruction(tokenizer) -> None:
    prompt = build_generation_prompt(CALC.prompt, tokenizer).to_ints()
    assert prompt == tokenize_sample(CALC, tokenizer).tokens[: len(prompt)]
    assert tokenizer.decode(prompt).endswith("<|im_start|>assistant\n")


PY = Sample("p1", "t/p", "python_exec", True, "python", {"code": "print(len('a b'))"}, "Length of 'a b'?", "3")


def test_arg_weight_falls_on_the_args_object_only_and_keeps_the_tokens(tokenizer) -> None:
    for sample, payload in ((CALC, '{"expression": "2+2"}}'), (PY, '{"code": "print(len(\'a b\'))"}}')):
        plain = tokenize_sample(sample, tokenizer)
        heavy = tokenize_sample(sample, tokenizer, arg_weight=3.0)
        assert heavy.tokens == plain.tokens
        start = heavy.num_instruction_tokens
        by_weight = {
            w: tokenizer.decode([t for t, x in zip(heavy.tokens[start:], heavy.weights[start:]) if x == w])
            for w in (1.0, 3.0)
        }
        # The args object (its closing brace shares a token with the outer one) weighs 3; the frame, the tool
        # name and the end-of-turn weigh 1; the instruction still weighs 0.
        assert by_weight[3.0].strip() == payload
        assert by_weight[1.0] == f'{{"tool": "{sample.tool}", "args":' + END_OF_TURN
        assert heavy.weights[:start] == [0.0] * start


def test_arg_weight_leaves_direct_answers_alone_and_refuses_a_negative_weight(tokenizer) -> None:
    assert tokenize_sample(CHAT, tokenizer, arg_weight=3.0).weights == tokenize_sample(CHAT, tokenizer).weights
    datum = build_datum(CALC, tokenizer, max_length=512, arg_weight=2.0)
    assert sorted(set(datum.loss_fn_inputs["weights"].to_numpy().tolist())) == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="arg_weight must be >= 0"):
        tokenize_sample(CALC, tokenizer, arg_weight=-1.0)


@pytest.mark.parametrize("bad", [-0.5, float("inf"), float("nan")])
def test_train_config_names_a_bad_arg_weight(bad: float) -> None:
    from sft.config import ConfigError, TrainConfig

    with pytest.raises(ConfigError, match="arg_weight: must be a finite number >= 0"):
        TrainConfig(arg_weight=bad).validate()
