"""Chat templates of the model families the renderers support (and two they refuse), written for the tests from
each family's documented format, and local tokenizers that carry them.

No hub access: every tokenizer is the bundled SmolLM2 tokenizer with the family's template set (and the family's
extra tokens added), which is all a renderer and its template check look at.
"""

from __future__ import annotations

import copy
from typing import Any

# Qwen3 Instruct-2507 (and SmolLM2 with a system message): plain ChatML.
CHATML_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

# Qwen3 hybrid models: message text as is; assistant turns after the last user turn open with a think block
# (empty when there is no reasoning); the generation prompt closes an empty think block when thinking is off.
QWEN3_TEMPLATE = """
{%- set ns = namespace(last_user=-1) %}
{%- for message in messages %}
  {%- if message.role == 'user' %}{%- set ns.last_user = loop.index0 %}{%- endif %}
{%- endfor %}
{%- for message in messages %}
  {%- if message.role == 'assistant' %}
    {%- set content = message.content %}
    {%- set reasoning = '' %}
    {%- if '</think>' in content %}
      {%- set reasoning = content.split('</think>')[0].split('<think>')[-1].strip('\\n') %}
      {%- set content = content.split('</think>')[-1].lstrip('\\n') %}
    {%- endif %}
    {%- if loop.index0 > ns.last_user and (loop.last or reasoning) %}
      {{- '<|im_start|>assistant\\n<think>\\n' + reasoning + '\\n</think>\\n\\n' + content + '<|im_end|>\\n' }}
    {%- else %}
      {{- '<|im_start|>assistant\\n' + content + '<|im_end|>\\n' }}
    {%- endif %}
  {%- else %}
    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}
  {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
  {{- '<|im_start|>assistant\\n' }}
  {%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}
{%- endif %}
"""

# Qwen3.5 / 3.6: message text trimmed; every assistant turn after the last user turn carries a think block (empty
# without reasoning); the generation prompt opens a think block, or closes an empty one when thinking is off.
QWEN3_5_TEMPLATE = """
{%- set ns = namespace(last_user=-1) %}
{%- for message in messages %}
  {%- if message.role == 'user' %}{%- set ns.last_user = loop.index0 %}{%- endif %}
{%- endfor %}
{%- for message in messages %}
  {%- set content = message.content | trim %}
  {%- if message.role == 'assistant' %}
    {%- set reasoning = '' %}
    {%- if '</think>' in content %}
      {%- set reasoning = content.split('</think>')[0].split('<think>')[-1] | trim %}
      {%- set content = content.split('</think>')[-1] | trim %}
    {%- endif %}
    {%- if loop.index0 > ns.last_user %}
      {{- '<|im_start|>assistant\\n<think>\\n' + reasoning + '\\n</think>\\n\\n' }}
      {{- content + '<|im_end|>\\n' }}
    {%- else %}
      {{- '<|im_start|>assistant\\n' + content + '<|im_end|>\\n' }}
    {%- endif %}
  {%- else %}
    {{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>\\n' }}
  {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
  {{- '<|im_start|>assistant\\n' }}
  {%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}
  {%- else %}{{- '<think>\\n' }}{%- endif %}
{%- endif %}
"""

# Thinking-only models (Qwen3 *-Thinking-2507): the generation prompt always opens a think block.
THINKING_ONLY_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n<think>\\n' }}{%- endif %}"
)

# Llama 3 Instruct: header tokens instead of ChatML.
LLAMA3_TEMPLATE = (
    "{{- '<|begin_of_text|>' }}"
    "{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"
    "{{- message['content'] | trim + '<|eot_id|>' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)

THINK_TOKENS = ("<think>", "</think>")
LLAMA_TOKENS = ("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")


def tokenizer_with_template(base: Any, template: str, extra_tokens: tuple[str, ...] = ()) -> Any:
    """A copy of ``base`` carrying ``template`` as its chat template, with ``extra_tokens`` added as single tokens."""
    from tokenizers import AddedToken

    tokenizer = copy.deepcopy(base)
    if extra_tokens:
        tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in extra_tokens])
    tokenizer.chat_template = template
    return tokenizer


# name a service would offer -> (template, extra tokens, renderer the project must choose)
FAMILIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "Qwen/Qwen3-4B-Instruct-2507": (CHATML_TEMPLATE, (), "chatml"),
    "Qwen/Qwen3-30B-A3B-Instruct-2507": (CHATML_TEMPLATE, (), "chatml"),
    "Qwen/Qwen3-8B": (QWEN3_TEMPLATE, THINK_TOKENS, "qwen3"),
    "Qwen/Qwen3-30B-A3B": (QWEN3_TEMPLATE, THINK_TOKENS, "qwen3"),
    "Qwen/Qwen3.5-4B": (QWEN3_5_TEMPLATE, THINK_TOKENS, "qwen3_5"),
    "Qwen/Qwen3.5-35B-A3B": (QWEN3_5_TEMPLATE, THINK_TOKENS, "qwen3_5"),
    "Qwen/Qwen3.6-27B": (QWEN3_5_TEMPLATE, THINK_TOKENS, "qwen3_5"),
}
