"""Renderers against each family's own chat template, with real tokenizers carrying those templates."""

from __future__ import annotations

import logging

import pytest

from sft.data_loader import Sample
from sft.datum_builder import build_datum, build_generation_prompt, tokenize_sample
from sft.prompt_builder import SYSTEM_PROMPT, build_messages
from sft.renderers import (
    CHATML,
    EMPTY_THINK_BLOCK,
    QWEN3_5,
    RENDERERS,
    Renderer,
    RendererError,
    compare_with_template,
    get_renderer,
    renderer_for_name,
    select_renderer,
)
from sft.reply_format import target_object, to_json
from tests.chat_templates import (
    CHATML_TEMPLATE,
    FAMILIES,
    LLAMA3_TEMPLATE,
    LLAMA_TOKENS,
    QWEN3_5_TEMPLATE,
    THINK_TOKENS,
    THINKING_ONLY_TEMPLATE,
    tokenizer_with_template,
)

# Surrounding whitespace on purpose: Qwen3.5 trims message text, the other formats keep it.
CALC = Sample("c1", "t/c", "calculator", True, "calculator", {"expression": "17*3"}, " What is 17 times 3? ", "51")
CHAT = Sample("n1", "t/n", "no_tool", False, None, None, "Say hi", "Hi!")


def conversation(sample: Sample) -> list[dict[str, str]]:
    return [*build_messages(sample.prompt), {"role": "assistant", "content": to_json(target_object(sample))}]


@pytest.mark.parametrize("model", sorted(FAMILIES))
@pytest.mark.parametrize("sample", [CALC, CHAT], ids=["calculator", "direct"])
def test_each_family_trains_on_exactly_its_chat_template_tokens(tokenizer, model: str, sample: Sample) -> None:
    template, extra, expected = FAMILIES[model]
    family_tokenizer = tokenizer_with_template(tokenizer, template, extra)
    choice = select_renderer(model, family_tokenizer, SYSTEM_PROMPT)
    assert (choice.renderer.name, choice.how, choice.checked) == (expected, "name", True)

    renderer = choice.renderer
    kwargs = renderer.template_arguments()
    prompt_text = family_tokenizer.apply_chat_template(
        build_messages(sample.prompt), tokenize=False, add_generation_prompt=True, **kwargs
    )
    full_text = family_tokenizer.apply_chat_template(conversation(sample), tokenize=False, **kwargs)
    # The template's reply is what follows its generation prompt; it ends the turn with "\n" after the end-of-turn
    # token, where training stops. Prompt and reply are tokenized apart, as a sampler sees them.
    assert full_text.startswith(prompt_text) and full_text.endswith("<|im_end|>\n")
    prompt = family_tokenizer.encode(prompt_text, add_special_tokens=False)
    reply = family_tokenizer.encode(full_text[len(prompt_text) : -1], add_special_tokens=False)
    tok = tokenize_sample(sample, family_tokenizer, renderer)
    assert tok.tokens == prompt + reply
    assert tok.tokens[: tok.num_instruction_tokens] == prompt
    assert tok.weights == [0.0] * len(prompt) + [1.0] * (len(tok.tokens) - len(prompt))
    assert build_generation_prompt(sample.prompt, family_tokenizer, renderer).to_ints() == prompt

    datum = build_datum(sample, family_tokenizer, 512, renderer)
    targets = datum.loss_fn_inputs["target_tokens"].to_numpy().tolist()
    weighted = [t for t, w in zip(targets, datum.loss_fn_inputs["weights"].to_numpy().tolist()) if w]
    assert family_tokenizer.decode(weighted) == to_json(target_object(sample)) + "<|im_end|>"


def test_hybrid_models_get_the_empty_think_block_after_the_assistant_header_with_weight_zero(tokenizer) -> None:
    family_tokenizer = tokenizer_with_template(tokenizer, QWEN3_5_TEMPLATE, THINK_TOKENS)
    tok = tokenize_sample(CALC, family_tokenizer, QWEN3_5)
    instruction = family_tokenizer.decode(tok.tokens[: tok.num_instruction_tokens])
    assert instruction.endswith("<|im_start|>assistant\n" + EMPTY_THINK_BLOCK)
    assert "<|im_start|>user\nWhat is 17 times 3?<|im_end|>" in instruction  # trimmed, as the template does
    think_ids = {family_tokenizer.convert_tokens_to_ids(t) for t in THINK_TOKENS}
    assert all(w == 0.0 for t, w in zip(tok.tokens, tok.weights) if t in think_ids)
    # Thinking on (the template's default) would open a think block the model then fills: never what we send.
    thinking_prompt = family_tokenizer.apply_chat_template(
        build_messages(CALC.prompt), tokenize=False, add_generation_prompt=True
    )
    assert thinking_prompt.endswith("<think>\n") and not instruction.endswith("<think>\n")


def test_the_bundled_model_keeps_todays_chatml_tokens(tokenizer) -> None:
    choice = select_renderer("bundled:SmolLM2-135M-Instruct", tokenizer, SYSTEM_PROMPT)
    assert (choice.renderer, choice.how, choice.checked) == (CHATML, "name", True)
    # The layout every earlier run used, spelled out: the default path must not change by a single token.
    text = (
        f"<|im_start|>system\n{SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n{CALC.prompt}<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    target = '{"tool": "calculator", "args": {"expression": "17*3"}}<|im_end|>'
    expected = tokenizer.encode(text, add_special_tokens=False) + tokenizer.encode(target, add_special_tokens=False)
    assert tokenize_sample(CALC, tokenizer).tokens == expected
    assert tokenize_sample(CALC, tokenizer, choice.renderer).tokens == expected


def test_a_name_that_says_nothing_is_matched_by_its_template(tokenizer) -> None:
    for template, extra, expected in ((QWEN3_5_TEMPLATE, THINK_TOKENS, "qwen3_5"), (CHATML_TEMPLATE, (), "chatml")):
        local = tokenizer_with_template(tokenizer, template, extra)
        choice = select_renderer("/data/models/my-finetune", local, SYSTEM_PROMPT)
        assert (choice.renderer.name, choice.how, choice.checked) == (expected, "template", True)


def test_a_template_that_contradicts_the_name_stops_the_run(tokenizer) -> None:
    chatml = tokenizer_with_template(tokenizer, CHATML_TEMPLATE)
    with pytest.raises(RendererError, match=r"Qwen/Qwen3\.5-4B: the qwen3_5 renderer .* does not reproduce") as raised:
        select_renderer("Qwen/Qwen3.5-4B", chatml, SYSTEM_PROMPT)
    assert "--renderer" in str(raised.value)


@pytest.mark.parametrize(
    ("model", "template", "extra", "why"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", LLAMA3_TEMPLATE, LLAMA_TOKENS, "a Llama model"),
        ("Qwen/Qwen3-4B-Thinking-2507", THINKING_ONLY_TEMPLATE, THINK_TOKENS, "thinking-only"),
        ("org/unknown-model", LLAMA3_TEMPLATE, LLAMA_TOKENS, "matches none of the supported formats"),
    ],
)
def test_unsupported_families_are_refused_with_what_to_do(tokenizer, model, template, extra, why) -> None:
    local = tokenizer_with_template(tokenizer, template, extra)
    offered = [model, "Qwen/Qwen3.5-4B", "deepseek-ai/DeepSeek-V3.1"]
    with pytest.raises(RendererError) as raised:
        select_renderer(model, local, SYSTEM_PROMPT, offered=offered)
    message = str(raised.value)
    assert f"{model} is not supported" in message and why in message
    assert "Offered models this project supports: Qwen/Qwen3.5-4B." in message
    assert "chatml" in message and "qwen3_5" in message


def test_a_forced_renderer_is_used_with_a_warning_when_it_disagrees(tokenizer, caplog) -> None:
    local = tokenizer_with_template(tokenizer, QWEN3_5_TEMPLATE, THINK_TOKENS)
    with caplog.at_level(logging.WARNING, logger="sft.renderers"):
        choice = select_renderer("Qwen/Qwen3.5-4B", local, SYSTEM_PROMPT, requested="chatml")
    assert (choice.renderer, choice.how, choice.checked) == (CHATML, "forced", False)
    assert "forced" in caplog.text and "differs from the chat template's" in caplog.text
    with pytest.raises(RendererError, match="unknown renderer 'llama'"):
        get_renderer("llama")


def test_the_comparison_tells_each_format_apart(tokenizer) -> None:
    """Every renderer matches its own family's template and no other, so template matching is unambiguous."""
    seen = {}
    for template, extra, expected in {(t, e, r) for t, e, r in FAMILIES.values()}:
        local = tokenizer_with_template(tokenizer, template, extra)
        matching = [
            name for name, r in RENDERERS.items() if (c := compare_with_template(r, local, SYSTEM_PROMPT)) and c.matches
        ]
        seen[expected] = matching
    assert seen == {"chatml": ["chatml"], "qwen3": ["qwen3"], "qwen3_5": ["qwen3_5"]}


def test_names_map_to_families() -> None:
    assert renderer_for_name("Qwen/Qwen3-4B-Instruct-2507")[0] is CHATML
    assert renderer_for_name("Qwen/Qwen3.5-397B-A17B")[0] is QWEN3_5
    assert renderer_for_name("Qwen/Qwen3.8-27B")[0] is QWEN3_5
    assert renderer_for_name("Qwen/Qwen3-VL-30B-A3B-Instruct")[0] is CHATML
    assert renderer_for_name("Qwen/Qwen3-32B")[0].name == "qwen3"
    assert renderer_for_name("/tmp/models/tiny-llama") == (
        None,
        "a Llama model, whose chat format this project does not render",
    )
    assert renderer_for_name("/tmp/models/my-model") == (None, None)


def test_stop_token_is_the_end_of_turn(tokenizer) -> None:
    assert QWEN3_5.stop_token_ids(tokenizer) == [tokenizer.convert_tokens_to_ids("<|im_end|>")]
    with pytest.raises(RendererError, match="no <\\|eot_id\\|> token"):
        Renderer("llama3", "Llama 3", end_of_turn="<|eot_id|>").stop_token_ids(tokenizer)
