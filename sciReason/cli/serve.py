"""``sciReason serve``: serve a local model over an OpenAI-compatible HTTP API (one GPU box, one team)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path
from typing import Optional

import typer
from pydantic import BaseModel, ConfigDict, Field

from sciReason.cli._common import cli_errors, resolve_config


class ServeConfig(BaseModel):
    """Settings of ``sciReason serve`` (defaults -> ``[serve]`` table of the TOML file -> flags).

    The API key is not a setting: it is read from ``$SCIREASON_SERVE_API_KEY`` only, so that it never
    appears in ``ps`` output, shell history or a config file.
    """

    model_config = ConfigDict(extra="forbid")

    model: Optional[str] = Field(
        None, description="model directory or hub id (default: the embedded sciReason-tiny)"
    )
    host: str = Field("127.0.0.1", description="address to bind; 0.0.0.0 exposes the server to the network")
    port: int = Field(8000, ge=0, le=65535, description="port (0 = any free port, printed at start)")
    served_model_name: Optional[str] = Field(None, description="model id reported to clients")
    max_batch_size: int = Field(16, ge=1, description="most sequences per forward batch of the model")
    max_batch_requests: int = Field(32, ge=1, description="most queued requests merged into one backend call")
    batch_wait_ms: float = Field(5.0, ge=0, description="how long to wait for more requests after the first")
    dtype: Optional[str] = Field(
        None, description="auto | bfloat16 | float16 | float32 (default: checkpoint)"
    )
    device_map: Optional[str] = Field(None, description="e.g. auto, cpu, cuda:0 (default: auto with a GPU)")
    enable_thinking: Optional[bool] = Field(
        None, description="default thinking switch (None = template default)"
    )
    seed: Optional[int] = Field(None, description="base seed for sampled requests without a seed")
    local_files_only: Optional[bool] = Field(
        None, description="never contact the hub (default: HF_HUB_OFFLINE)"
    )
    max_queue: int = Field(256, ge=1, description="requests waiting for a batch before 503 + Retry-After")
    request_timeout: float = Field(600.0, gt=0, description="seconds from arrival to the end of the answer")
    body_timeout: float = Field(30.0, gt=0, description="seconds to receive a request body")
    head_timeout: float = Field(10.0, gt=0, description="seconds to receive a request's headers")
    keep_alive: int = Field(5, ge=1, description="seconds an idle keep-alive connection stays open")
    max_connections: int = Field(1000, ge=1, description="open connections before new requests get 503")
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024, description="largest request body (413 above)")
    max_prompt_chars: Optional[int] = Field(
        None, ge=1, description="most characters of all messages of a request, checked before tokenizing "
        "(default: 8 x the model's context in tokens)",
    )  # fmt: skip
    max_tokens_limit: int = Field(32768, ge=1, description="largest max_tokens a request may ask for")
    max_n: int = Field(64, ge=1, description="largest n (completions per request)")
    max_beams: int = Field(16, ge=1, description="most beams of a beam-search request")
    max_stop: int = Field(16, ge=1, description="most stop strings per request")


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        model: Optional[str] = typer.Option(
            None, "--model", "-m", help="Model directory or hub id (default: embedded sciReason-tiny)."
        ),
        host: Optional[str] = typer.Option(None, "--host", help="Address to bind (default 127.0.0.1)."),
        port: Optional[int] = typer.Option(
            None, "--port", "-p", help="Port (default 8000; 0 = any free port)."
        ),
        served_model_name: Optional[str] = typer.Option(
            None, "--served-model-name", help="Model id reported to clients."
        ),
        max_batch_size: Optional[int] = typer.Option(
            None, "--max-batch-size", help="Sequences per forward batch."
        ),
        batch_wait_ms: Optional[float] = typer.Option(
            None, "--batch-wait-ms", help="Wait for more requests (ms)."
        ),
        dtype: Optional[str] = typer.Option(None, "--dtype", help="auto | bfloat16 | float16 | float32."),
        device_map: Optional[str] = typer.Option(None, "--device-map", help="e.g. auto, cpu, cuda:0."),
        enable_thinking: Optional[bool] = typer.Option(
            None, "--thinking/--no-thinking", help="Default thinking switch."
        ),
        seed: Optional[int] = typer.Option(None, "--seed", help="Base seed for unseeded sampled requests."),
        max_queue: Optional[int] = typer.Option(
            None, "--max-queue", help="Waiting requests before 503 + Retry-After (default 256)."
        ),
        request_timeout: Optional[float] = typer.Option(
            None, "--request-timeout", help="Seconds from arrival to the end of an answer (default 600)."
        ),
        max_body_bytes: Optional[int] = typer.Option(
            None, "--max-body-bytes", help="Largest request body in bytes (default 4 MiB)."
        ),
        max_prompt_chars: Optional[int] = typer.Option(
            None, "--max-prompt-chars", help="Most message characters per request (default 8 x context)."
        ),
        max_tokens_limit: Optional[int] = typer.Option(
            None, "--max-tokens-limit", help="Largest max_tokens a request may ask for (default 32768)."
        ),
        max_n: Optional[int] = typer.Option(None, "--max-n", help="Largest n per request (default 64)."),
        max_beams: Optional[int] = typer.Option(
            None, "--max-beams", help="Most beams per request (default 16)."
        ),
        config: Optional[Path] = typer.Option(
            None, "--config", "-c", help="TOML file; its serve table (or top level) holds these settings."
        ),
    ) -> None:
        """Serve a model over an OpenAI-compatible API (/v1/chat/completions with streaming, /v1/models,
        /health, /metrics).

        Concurrent requests are batched into one generate call. Set SCIREASON_SERVE_API_KEY to require
        a bearer token on /v1 routes. For high-throughput production serving of large models use vLLM or
        SGLang (paged attention, continuous batching). Needs the serve extra: pip install "scireason\\[serve]".
        """
        with cli_errors():
            flags = {"model": model, "host": host, "port": port, "served_model_name": served_model_name,
                     "max_batch_size": max_batch_size, "batch_wait_ms": batch_wait_ms, "dtype": dtype,
                     "device_map": device_map, "enable_thinking": enable_thinking, "seed": seed,
                     "max_queue": max_queue, "request_timeout": request_timeout,
                     "max_body_bytes": max_body_bytes, "max_prompt_chars": max_prompt_chars,
                     "max_tokens_limit": max_tokens_limit, "max_n": max_n, "max_beams": max_beams}  # fmt: skip
            cfg = resolve_config(ServeConfig, config, flags, section="serve")
            run_serve(cfg, api_key=os.environ.get("SCIREASON_SERVE_API_KEY") or None)


def _require_web_stack() -> None:
    import importlib.util

    from sciReason.errors import missing

    for module in ("uvicorn", "starlette"):
        if importlib.util.find_spec(module) is None:
            raise missing(module, 'pip install "scireason[serve]"', "sciReason serve")


def run_serve(cfg: ServeConfig, *, api_key: str | None = None) -> None:
    """Load the model, bind, print the URL on stdout (one line, flushed) and serve until SIGINT/SIGTERM."""
    _require_web_stack()
    import logging
    import sys

    from sciReason.backends.local import LocalBackend, tiny_model_path
    from sciReason.backends.openai_wire import ServeLimits
    from sciReason.backends.server import ChatServer, _default_prompt_chars

    source = cfg.model if cfg.model is not None else tiny_model_path()
    backend = LocalBackend(
        source,
        device_map=cfg.device_map,
        dtype=cfg.dtype,
        local_files_only=cfg.local_files_only,
        enable_thinking=cfg.enable_thinking,
        max_batch_size=cfg.max_batch_size,
        seed=cfg.seed,
        model_name=cfg.served_model_name,
    )
    limits = ServeLimits(
        max_body_bytes=cfg.max_body_bytes,
        max_prompt_chars=cfg.max_prompt_chars or _default_prompt_chars(backend),
        max_tokens=cfg.max_tokens_limit,
        max_n=cfg.max_n,
        max_beams=cfg.max_beams,
        max_stop=cfg.max_stop,
    )
    server = ChatServer(
        backend,
        model_name=cfg.served_model_name or backend.model_name,
        host=cfg.host,
        port=cfg.port,
        max_batch_size=cfg.max_batch_requests,
        batch_wait=cfg.batch_wait_ms / 1000.0,
        api_key=api_key,
        limits=limits,
        max_queue=cfg.max_queue,
        request_timeout=cfg.request_timeout,
        body_timeout=cfg.body_timeout,
        head_timeout=cfg.head_timeout,
        keep_alive=cfg.keep_alive,
        max_connections=cfg.max_connections,
    )
    if not logging.getLogger().handlers:  # request log lines and uvicorn's warnings go to stderr
        logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # uvicorn takes these over while it serves and re-raises them afterwards: they end here
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await server.start()
        typer.echo(
            f"sciReason serve: listening on http://{cfg.host}:{server.port}/v1 (model {server.model_name})"
        )
        if api_key:
            typer.echo("sciReason serve: /v1 routes need the key in $SCIREASON_SERVE_API_KEY", err=True)
        await server.serve_forever(stop)

    try:
        asyncio.run(main())
    finally:
        backend.close()
