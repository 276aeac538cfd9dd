"""Command line: run one tool call the way the model writes it.

Examples::

    python -m sft.tools '{"tool": "python", "args": {"code": "print(2**10)"}}'
    python -m sft.tools --json '{"tool": "calculator", "args": {"expression": "2^10"}}'
    echo '{"tool": "calculator", "args": {"expression": "1/3"}}' | python -m sft.tools -

Prints the tool's output (or a JSON object with ``--json``). Exit status: 0 on success,
1 when the tool ran but failed, 2 for invalid input (bad JSON, not a tool call).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from sft.tools import run_tool_call

EXIT_OK = 0
EXIT_TOOL_ERROR = 1
EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI and returns its exit status.

    Args:
        argv: Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns:
        0 on success, 1 on a tool error, 2 on invalid input.
    """
    parser = argparse.ArgumentParser(
        prog="python -m sft.tools",
        description='Run one tool call, e.g. \'{"tool": "calculator", "args": {"expression": "2^10"}}\'.',
    )
    parser.add_argument("call", help="the tool call as JSON, or '-' to read it from stdin")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--timeout", type=float, default=None, help="seconds (default: per tool)")
    parser.add_argument(
        "--isolation",
        choices=("auto", "bwrap", "rlimits"),
        default="auto",
        help="python sandbox isolation (default: auto)",
    )
    args = parser.parse_args(argv)

    text = sys.stdin.read() if args.call == "-" else args.call
    try:
        call = json.loads(text)
    except json.JSONDecodeError as error:
        print(f"error: invalid JSON input: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not isinstance(call, dict) or "tool" not in call:
        what = "a final answer" if isinstance(call, dict) and "final" in call else "not a tool call"
        print(
            f'error: input is {what}; expected {{"tool": "...", "args": {{...}}}}',
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT

    options: dict[str, object] = {"timeout_s": args.timeout}
    if call.get("tool") == "python":
        options["isolation"] = args.isolation
    result = run_tool_call(call, **options)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    elif result.output:
        print(result.output)
    if not result.ok:
        if not args.json:
            print(f"error: {result.error}", file=sys.stderr)
        return EXIT_TOOL_ERROR
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
