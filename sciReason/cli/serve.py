"""``sciReason serve``: serve a local model over an OpenAI-compatible HTTP API (one GPU box, one team)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path
from typing import Optional

import typer
from pydantic import BaseModel, ConfigDict, Field

from sciReason.cli._common import cli_errors, resolve_config


class ServeConfig(BaseModel):
    """Settings of ``sciReason serve`` (defaults -> ``[serve]`` table of the TOML file -> flags)."""

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
        api_key: Optional[str] = typer.Option(
            None,
            envvar="SCIREASON_SERVE_API_KEY",
            hidden=True,
            help="Require this bearer token (set via $SCIREASON_SERVE_API_KEY).",
        ),  # fmt: skip
        config: Optional[Path] = typer.Option(
            None, "--config", "-c", help="TOML file; its serve table (or top level) holds these settings."
        ),
    ) -> None:
        """Serve a model over an OpenAI-compatible API (/v1/chat/completions, /v1/models, /health).

        Concurrent requests are batched into one generate call. For high-throughput production serving
        of large models use vLLM or SGLang (paged attention, continuous batching, streaming).
        """
        with cli_errors():
            flags = {"model": model, "host": host, "port": port, "served_model_name": served_model_name,
                     "max_batch_size": max_batch_size, "batch_wait_ms": batch_wait_ms, "dtype": dtype,
                     "device_map": device_map, "enable_thinking": enable_thinking, "seed": seed}  # fmt: skip
            cfg = resolve_config(ServeConfig, config, flags, section="serve")
            run_serve(cfg, api_key=api_key)


def run_serve(cfg: ServeConfig, *, api_key: str | None = None) -> None:
    """Load the model, bind, print the URL on stdout (one line, flushed) and serve until SIGINT/SIGTERM."""
    from sciReason.backends.local import LocalBackend, tiny_model_path
    from sciReason.backends.server import ChatServer

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
    server = ChatServer(
        backend,
        model_name=cfg.served_model_name or backend.model_name,
        host=cfg.host,
        port=cfg.port,
        max_batch_size=cfg.max_batch_requests,
        batch_wait=cfg.batch_wait_ms / 1000.0,
        api_key=api_key,
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await server.start()
        typer.echo(
            f"sciReason serve: listening on http://{cfg.host}:{server.port}/v1 (model {server.model_name})"
        )
        await server.serve_forever(stop)

    try:
        asyncio.run(main())
    finally:
        backend.close()
