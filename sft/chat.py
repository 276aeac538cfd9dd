"""Chat with a trained checkpoint: the model decides, the tools run for real, you see both.

Usage::

    python -m sft.chat final_checkpoint                          # interactive; empty line or Ctrl-D quits
    python -m sft.chat final_checkpoint --prompt "What is 17% of 240?"
    python -m sft.chat final_checkpoint --run run-20261125-101500 --json --prompt "Reverse 'stressed'"

For each prompt it prints the model's JSON decision, then either the direct answer or the tool's result
(calculator value or the sandboxed program's output).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any

from sft.checkpoints import ResolvedCheckpoint, resolve_checkpoint
from sft.errors import reports_user_errors
from sft.renderers import Renderer
from sft.reply_format import parse_reply
from sft.sampling import add_constrained_options, generate_completions, open_sampler
from sft.utils import quiet_libraries


def answer(completion: str) -> dict[str, Any]:
    """What the model's reply leads to: its direct answer, a tool result, or why it could not be used."""
    from sft.tools import run_tool

    parsed = parse_reply(completion)
    result: dict[str, Any] = {"reply": completion, "decision": parsed.decision}
    if not parsed.correct_format:
        result["error"] = f"the reply is not a valid tool call or answer ({parsed.error})"
    elif parsed.decision == "final":
        result["answer"] = parsed.final
    else:
        tool = run_tool(parsed.decision or "", parsed.args or {})
        result["answer"] = tool.output if tool.ok else None
        if not tool.ok:
            result["error"] = tool.error
    return result


async def chat(args: argparse.Namespace) -> int:
    from sft.engines import create_service_client

    checkpoint = resolve_checkpoint(args.checkpoint_name, args.checkpoint_dir, args.run)
    service = create_service_client(checkpoint.engine_config(device=args.device))
    code: int | None = None
    try:
        sampling_client, renderer = await open_sampler(service, checkpoint, args.constrained)
        code = await _chat_loop(args, checkpoint, sampling_client, renderer)
        return code
    finally:
        close = getattr(service, "close", None)  # end the session on Tinker; the local engine has none
        if close is not None:
            await asyncio.to_thread(close, "success" if code == 0 else "errored")


async def _chat_loop(
    args: argparse.Namespace, checkpoint: ResolvedCheckpoint, sampling_client: Any, renderer: Renderer
) -> int:
    tokenizer = sampling_client.get_tokenizer()

    async def respond(prompt: str) -> None:
        (completion,) = await generate_completions(sampling_client, tokenizer, [prompt], args.max_new_tokens, renderer)
        result = answer(completion)
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
            return
        print(f"model:  {completion}")
        if "error" in result:
            print(f"error:  {result['error']}")
        if result.get("answer") is not None:
            label = "answer" if result["decision"] == "final" else f"{result['decision']} ->"
            print(f"{label} {result['answer']}")

    if args.prompt is not None:
        await respond(args.prompt)
        return 0
    print(f"chatting with {checkpoint.describe()}; an empty line quits")
    while True:
        try:
            prompt = input("you:    ").strip()
        except EOFError:
            break
        if not prompt:
            break
        await respond(prompt)
    return 0


@reports_user_errors
def main(argv: Sequence[str] | None = None) -> int:
    quiet_libraries()
    parser = argparse.ArgumentParser(prog="python -m sft.chat", description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint_name", help="e.g. final_checkpoint")
    parser.add_argument("--run", default=None, help="run name (default: the latest run)")
    parser.add_argument("--checkpoint_dir", default="checkpoints")
    parser.add_argument("--prompt", default=None, help="answer this one prompt and exit")
    parser.add_argument("--json", action="store_true", help="print one JSON object per answer")
    parser.add_argument("--max_new_tokens", type=int, default=256)
    parser.add_argument("--device", default=None)
    add_constrained_options(parser, "answers")
    return asyncio.run(chat(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
