"""Serve a trained checkpoint over the OpenAI Chat Completions API, for any client or agent framework that speaks it.

Usage::

    python -m sft.serve final_checkpoint                          # http://127.0.0.1:8000/v1
    python -m sft.serve final_checkpoint --port 0                 # any free port (printed)
    python -m sft.serve checkpoint_step_300 --run run-20261125-101500 --execute

Endpoints: ``GET /v1/models``, ``GET /v1/models/<id>``, ``POST /v1/chat/completions`` (no streaming) and
``GET /health``. The model answers the last user message, with the system prompt it was trained on (a client's
system message is not shown to it). Its one JSON object maps to the API's shapes:

- ``{"final": "..."}`` -> the assistant message's ``content``, ``finish_reason`` "stop";
- ``{"tool": "calculator" | "python", "args": {...}}`` -> ``tool_calls`` with that function name and the args as
  a JSON string, ``finish_reason`` "tool_calls"; with ``--execute`` the server runs the call with the project's
  tools (python in the sandbox) and returns its output as ``content`` instead;
- anything else (not one of the shapes) -> the raw text as ``content``.

A request's ``tools`` may name only ``calculator`` and ``python`` (the two the model was trained on; anything
else is a 400). When ``tools`` is given, a call to a tool it leaves out comes back as text, not as a call. When
the last message is a ``tool`` result (an agent loop that ran the call), that result is the answer: the model
was trained to hand the answer to its tools, not to read their output.

Limits: bodies over ``--max_body_bytes`` get 413, more than ``--max_concurrency`` requests at once get 429, a
generation over ``--request_timeout_s`` gets 504, a client that stalls sending its request is dropped after
``--socket_timeout_s``; malformed requests get a 4xx with a message in OpenAI's error shape.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import signal
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tinker import types

from sft.checkpoints import resolve_checkpoint
from sft.datum_builder import build_generation_prompt
from sft.errors import reports_user_errors
from sft.reply_format import TOOL_ARG, parse_reply
from sft.sampling import add_constrained_options, decode_completion, greedy_params, open_sampler, stop_token_ids
from sft.utils import quiet_libraries

KNOWN_TOOLS = tuple(TOOL_ARG)  # ("calculator", "python")
# JSON-schema descriptions of the two tools, as a client would declare them (for README examples and tests).
TOOL_SCHEMAS = {
    "calculator": {
        "type": "function",
        "function": {
            "name": "calculator",
            "description": "Evaluate an arithmetic expression.",
            "parameters": {
                "type": "object",
                "properties": {"expression": {"type": "string"}},
                "required": ["expression"],
            },
        },
    },
    "python": {
        "type": "function",
        "function": {
            "name": "python",
            "description": "Run Python code that prints the answer.",
            "parameters": {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]},
        },
    },
}


class RequestError(ValueError):
    """A request the server refuses; carries the HTTP status and OpenAI's error fields."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        kind = "invalid_request_error" if self.status < 500 else "server_error"
        return {"error": {"message": str(self), "type": kind, "param": self.param, "code": self.code}}


# -- the request and the reply, as data ----------------------------------------------------------------------
@dataclass(frozen=True)
class ChatRequest:
    """What the server takes from a Chat Completions request."""

    prompt: str
    offered_tools: frozenset[str]
    max_tokens: int
    temperature: float
    tool_result: str | None = None


def _text(content: Any, where: str) -> str:
    """A message's text: a string, or a list of ``{"type": "text", "text": ...}`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) and p.get("type") == "text" for p in content):
        return "".join(str(p.get("text", "")) for p in content)
    raise RequestError(400, f"{where}: content must be a string or a list of text parts", param=where)


def parse_request(body: Any, default_max_tokens: int, max_tokens_limit: int) -> ChatRequest:
    """Check a decoded request body and take what the model needs from it.

    Raises:
        RequestError: 400 with a message naming the field.
    """
    if not isinstance(body, dict):
        raise RequestError(400, "the request body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError(400, "'messages' must be a non-empty list", param="messages")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise RequestError(400, f"messages[{i}] must be an object with a 'role'", param=f"messages[{i}]")
    if body.get("stream"):
        raise RequestError(400, "streaming is not supported; send 'stream': false", param="stream")
    n = body.get("n", 1)
    if n not in (1, None):
        raise RequestError(400, "only n=1 is supported", param="n")

    offered = frozenset(KNOWN_TOOLS)
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise RequestError(400, "'tools' must be a list", param="tools")
        names = []
        for i, tool in enumerate(tools):
            function = tool.get("function") if isinstance(tool, dict) else None
            name = function.get("name") if isinstance(function, dict) else None
            if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(name, str):
                raise RequestError(400, f"tools[{i}] must be {{'type': 'function', 'function': {{'name': ...}}}}")
            if name not in KNOWN_TOOLS:
                raise RequestError(
                    400,
                    f"tools[{i}]: unknown tool {name!r}; this model knows only {' and '.join(KNOWN_TOOLS)}",
                    param=f"tools[{i}].function.name",
                    code="unknown_tool",
                )
            names.append(name)
        offered = frozenset(names)
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") if isinstance(choice.get("function"), dict) else None
        if name not in KNOWN_TOOLS:
            raise RequestError(400, f"tool_choice: unknown tool {name!r}", param="tool_choice", code="unknown_tool")

    max_tokens = body.get("max_completion_tokens", body.get("max_tokens")) or default_max_tokens
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or not 0 < max_tokens <= max_tokens_limit:
        raise RequestError(400, f"max_tokens must be an integer in 1..{max_tokens_limit}", param="max_tokens")
    temperature = body.get("temperature", 0.0)
    if temperature is None:
        temperature = 0.0
    if not isinstance(temperature, int | float) or isinstance(temperature, bool) or not 0 <= temperature <= 2:
        raise RequestError(400, "temperature must be a number in 0..2", param="temperature")

    last = messages[-1]
    if last["role"] == "tool":
        return ChatRequest("", offered, max_tokens, float(temperature), _text(last.get("content"), "messages[-1]"))
    users = [(i, m) for i, m in enumerate(messages) if m["role"] == "user"]
    if not users:
        raise RequestError(400, "'messages' has no user message", param="messages")
    i, user = users[-1]
    prompt = _text(user.get("content"), f"messages[{i}]")
    if not prompt.strip():
        raise RequestError(400, f"messages[{i}]: the user message is empty", param=f"messages[{i}]")
    return ChatRequest(prompt, offered, max_tokens, float(temperature))


def reply_to_message(reply: str, offered: frozenset[str] = frozenset(KNOWN_TOOLS)) -> tuple[dict[str, Any], str]:
    """The assistant message and finish reason for the model's reply text (without its end-of-turn token)."""
    parsed = parse_reply(reply)
    if parsed.correct_format and parsed.decision == "final":
        return {"role": "assistant", "content": parsed.final}, "stop"
    if parsed.correct_format and parsed.decision in offered:
        call = {
            "id": f"call_{uuid.uuid4().hex[:24]}",
            "type": "function",
            "function": {"name": parsed.decision, "arguments": json.dumps(parsed.args, ensure_ascii=False)},
        }
        return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
    return {"role": "assistant", "content": reply}, "stop"


def execute_message(reply: str) -> dict[str, Any]:
    """With ``--execute``: the tool's output (or its error) as the answer, or the direct answer."""
    from sft.tools import run_tool

    parsed = parse_reply(reply)
    if not parsed.correct_format or parsed.decision == "final":
        return reply_to_message(reply)[0]
    result = run_tool(parsed.decision or "", parsed.args or {})
    content = result.output if result.ok else f"error: {result.error}"
    return {"role": "assistant", "content": content}


# -- the model behind the endpoint ----------------------------------------------------------------------------
class ChatModel:
    """A sampling client on its own event loop thread, with the run's prompt format."""

    def __init__(self, sampling_client: Any, renderer: Any, model_id: str, service: Any = None) -> None:
        self.sampling_client = sampling_client
        self.tokenizer = sampling_client.get_tokenizer()
        self.renderer = renderer
        self.model_id = model_id
        self.service = service
        self.stops = stop_token_ids(self.tokenizer, renderer)
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="sft-serve-loop", daemon=True).start()

    def submit(self, prompt: str, max_tokens: int, temperature: float) -> concurrent.futures.Future:
        """Start a generation; the future gives ``(reply text, prompt tokens, completion tokens, stopped)``."""
        model_input = build_generation_prompt(prompt, self.tokenizer, self.renderer)
        if temperature == 0:
            params = greedy_params(max_tokens, self.stops)
        else:
            params = types.SamplingParams(max_tokens=max_tokens, temperature=temperature, stop=list(self.stops))

        async def generate() -> tuple[str, int, int, bool]:
            response = await self.sampling_client.sample(model_input, 1, params)
            tokens = list(response.sequences[0].tokens)
            stopped = any(t in self.stops for t in tokens)
            text = decode_completion(tokens, self.tokenizer, self.stops)
            return text, len(model_input.to_ints()), len(tokens), stopped

        return asyncio.run_coroutine_threadsafe(generate(), self.loop)

    def close(self, status: str = "success") -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        close = getattr(self.service, "close", None)  # end the session on Tinker; the local engine has none
        if close is not None:
            close(status)


async def open_checkpoint(
    checkpoint: str, checkpoint_dir: str, run: str | None, device: str | None, constrained: bool | None = False
) -> ChatModel:
    """The checkpoint's sampling client on the run's engine (resolved as every command resolves it); with
    ``constrained``, one that decodes under the reply's JSON schema (``None``: wherever the engine can)."""
    from sft.engines import create_service_client

    resolved = resolve_checkpoint(checkpoint, checkpoint_dir, run)
    service = create_service_client(resolved.engine_config(device=device))
    sampling_client, renderer = await open_sampler(service, resolved, constrained)
    model_id = f"{resolved.run_name}/{resolved.record.name}" if resolved.record else resolved.given
    return ChatModel(sampling_client, renderer, model_id, service)


# -- HTTP ------------------------------------------------------------------------------------------------------
@dataclass
class Limits:
    max_body_bytes: int = 64 * 1024
    max_concurrency: int = 4
    request_timeout_s: float = 120.0
    socket_timeout_s: float = 30.0
    default_max_tokens: int = 256
    max_tokens_limit: int = 1024


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], model: ChatModel, limits: Limits, execute: bool) -> None:
        self.model = model
        self.limits = limits
        self.execute = execute
        self.slots = threading.BoundedSemaphore(limits.max_concurrency)
        self.created = int(time.time())
        handler = type("Handler", (ChatHandler,), {"timeout": limits.socket_timeout_s})
        super().__init__(address, handler)


class ChatHandler(BaseHTTPRequestHandler):
    server: ChatServer
    protocol_version = "HTTP/1.1"
    server_version = "sft-serve"

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, error: RequestError) -> None:
        self.close_connection = True  # the rest of a refused body may still be unread
        self._send(error.status, error.body())

    def _model_card(self) -> dict[str, Any]:
        return {"id": self.server.model.model_id, "object": "model", "created": self.server.created, "owned_by": "sft"}

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path == "/v1/models":
            self._send(200, {"object": "list", "data": [self._model_card()]})
        elif path.startswith("/v1/models/"):
            if path[len("/v1/models/") :] == self.server.model.model_id:
                self._send(200, self._model_card())
            else:
                self._error(RequestError(404, f"no model {path[len('/v1/models/') :]!r}", code="model_not_found"))
        elif path == "/health":
            self._send(200, {"status": "ok"})
        else:
            self._error(RequestError(404, f"no route GET {path}"))

    def do_POST(self) -> None:
        try:
            if self.path.split("?", 1)[0].rstrip("/") != "/v1/chat/completions":
                raise RequestError(404, f"no route POST {self.path}")
            limits = self.server.limits
            request = parse_request(self._read_json(), limits.default_max_tokens, limits.max_tokens_limit)
            self._send(200, self._complete(request))
        except RequestError as exc:
            self._error(exc)
        except Exception as exc:  # a bug or an engine failure: report it, keep serving
            self._error(RequestError(500, f"internal error: {type(exc).__name__}: {exc}"))

    def _read_json(self) -> Any:
        if self.headers.get("Transfer-Encoding"):
            raise RequestError(411, "send the body with a Content-Length, not chunked")
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise RequestError(411, "a Content-Length header is required")
        if int(length) > self.server.limits.max_body_bytes:
            raise RequestError(413, f"the body is over {self.server.limits.max_body_bytes} bytes")
        raw = self.rfile.read(int(length))
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise RequestError(400, f"the body is not valid JSON ({exc})") from None

    def _complete(self, request: ChatRequest) -> dict[str, Any]:
        limits, model, slots = self.server.limits, self.server.model, self.server.slots
        created = int(time.time())
        if request.tool_result is not None:
            message, finish, usage = {"role": "assistant", "content": request.tool_result}, "stop", (0, 0)
        else:
            if not slots.acquire(blocking=False):
                raise RequestError(429, "the server is busy; retry shortly", code="busy")
            try:
                future = model.submit(request.prompt, request.max_tokens, request.temperature)
            except BaseException:
                slots.release()
                raise
            # The slot is freed when the generation ends, also after a 504 gave up waiting for it.
            future.add_done_callback(lambda _: slots.release())
            try:
                reply, prompt_tokens, completion_tokens, stopped = future.result(timeout=limits.request_timeout_s)
            except concurrent.futures.TimeoutError:
                raise RequestError(504, f"generation took over {limits.request_timeout_s:g} s") from None
            if self.server.execute:
                message, finish = execute_message(reply), "stop"
            else:
                message, finish = reply_to_message(reply, request.offered_tools)
            if not stopped:
                finish = "length"
            usage = (prompt_tokens, completion_tokens)
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": created,
            "model": model.model_id,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
        }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sft.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint_name", help="e.g. final_checkpoint")
    parser.add_argument("--run", default=None, help="run name (default: the latest run)")
    parser.add_argument("--checkpoint_dir", default="checkpoints")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--execute", action="store_true", help="run tool calls and return their output")
    add_constrained_options(parser, "replies")
    parser.add_argument("--device", default=None)
    defaults = Limits()
    parser.add_argument("--max_body_bytes", type=int, default=defaults.max_body_bytes)
    parser.add_argument("--max_concurrency", type=int, default=defaults.max_concurrency)
    parser.add_argument("--request_timeout_s", type=float, default=defaults.request_timeout_s)
    parser.add_argument("--socket_timeout_s", type=float, default=defaults.socket_timeout_s)
    parser.add_argument("--max_tokens", type=int, default=defaults.default_max_tokens, help="default max_tokens")
    return parser.parse_args(argv)


@reports_user_errors
def main(argv: Sequence[str] | None = None) -> int:
    quiet_libraries()
    args = parse_args(argv)
    limits = Limits(
        max_body_bytes=args.max_body_bytes,
        max_concurrency=args.max_concurrency,
        request_timeout_s=args.request_timeout_s,
        socket_timeout_s=args.socket_timeout_s,
        default_max_tokens=args.max_tokens,
        max_tokens_limit=max(args.max_tokens, Limits.max_tokens_limit),
    )
    model = asyncio.run(
        open_checkpoint(args.checkpoint_name, args.checkpoint_dir, args.run, args.device, args.constrained)
    )
    server = ChatServer((args.host, args.port), model, limits, args.execute)
    host, port = server.server_address[:2]
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    print(f"serving {model.model_id} at http://{host}:{port}/v1 (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        model.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
