"""The facade: module-level task functions over a default :class:`~sciReason.client.Client` (like
``httpx.get``), plus ``design()`` (a campaign) and ``score()`` (candidates against a target).

The default client uses ``$SCIREASON_BACKEND`` when set, else the embedded ``sciReason-tiny`` model on
CPU. ``configure(backend=...)`` replaces it for the whole process. Campaign and oracle code is imported
only when ``design``/``score`` are called.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sciReason.client import Client

if TYPE_CHECKING:  # the campaign engine loads only when design() is called
    from sciReason.agents.engine import DesignResult

_lock = threading.Lock()
_default: Client | None = None


def configure(backend: Any = None, **options: Any) -> Client:
    """Set the backend of the module-level functions (a URL, a model directory, "tiny", or a Backend)."""
    global _default
    with _lock:
        if _default is not None:
            _default.close()
        _default = Client(backend, **options)
        return _default


def default_client() -> Client:
    global _default
    with _lock:
        if _default is None:
            _default = Client()
        return _default


def translate(
    x: Any, *, source: str | None = None, target: str | None = None, task: str | None = None, **kw: Any
) -> Any:
    """``translate("CCO", source="smiles", target="iupac")``: see :meth:`Client.translate`."""
    return default_client().translate(x, source=source, target=target, task=task, **kw)


def extract(text: Any, *, task: str | None = None, property: str | None = None, **kw: Any) -> Any:
    """See :meth:`Client.extract`."""
    return default_client().extract(text, task=task, property=property, **kw)


def predict(x: Any, *, property: str | None = None, task: str | None = None, **kw: Any) -> Any:
    """``predict("CCO", property="esol")``: see :meth:`Client.predict`."""
    return default_client().predict(x, property=property, task=task, **kw)


def classify(x: Any, *, property: str | None = None, task: str | None = None, **kw: Any) -> Any:
    """``classify("CCO", property="bbbp")``: see :meth:`Client.classify`."""
    return default_client().classify(x, property=property, task=task, **kw)


def generate(
    kind: str = "molecule", *, condition: Any = None, n: int = 1, task: str | None = None, **kw: Any
) -> Any:
    """``generate("molecule", n=10)``: see :meth:`Client.generate`."""
    return default_client().generate(kind, condition=condition, n=n, task=task, **kw)


def design(
    target: str,
    budget: int = 1000,
    *,
    on_round: Callable[[Any, list[Any]], None] | None = None,
    **options: Any,
) -> DesignResult:
    """Run a design campaign, as ``sciReason design`` does, and return its :class:`DesignResult`.

    ``options`` are the fields of :class:`~sciReason.agents.config.DesignConfig` (``seed``, ``out``,
    ``proposers``, ``batch_size``, ``storage``, ``resume``, ...), validated the same way as the command's
    flags; ``config="design.toml"`` reads a TOML file first. Without ``out`` nothing is written (the Optuna
    study lives in memory); with ``out`` the campaign is stored and resumable there and the same files as
    the CLI's are written (candidates.csv, top-k, plots, summary.json). ``on_round(campaign, new_records)``
    is called after every round.

    >>> result = sciReason.design("qed>0.8, sa<3", budget=200, seed=0)      # doctest: +SKIP
    >>> result.best.key, result.best.value, result.n_oracle_calls           # doctest: +SKIP
    """
    from pathlib import Path

    from sciReason.agents.config import DesignConfig
    from sciReason.agents.engine import Campaign
    from sciReason.configfile import resolve_config

    config_file = options.pop("config", None)
    flags = {"target": target, "budget": budget, **options}
    cfg = resolve_config(DesignConfig, Path(config_file) if config_file else None, flags, section="design")
    result = Campaign(cfg).run(on_round=on_round)
    if cfg.out is not None:
        from sciReason.agents.outputs import write_outputs

        write_outputs(result, Path(cfg.out))
    return result


def score(target: str, candidates: str | Sequence[str], *, pareto: bool = False) -> Any:
    """Score candidates against a target string, as ``sciReason oracles score`` does.

    One candidate gives one :class:`~sciReason.oracles.base.Scored` (``value`` in [0, 1] or ``None`` when it
    cannot be scored, per-term ``desirabilities`` and raw ``terms``); a list gives a list, in order.

    >>> sciReason.score("qed>0.5", "CCO").terms["qed"]  # doctest: +SKIP
    """
    from sciReason.oracles import parse_target

    objective = parse_target(target, pareto=pareto)
    if isinstance(candidates, str):
        return objective.score([candidates])[0]
    return objective.score(list(candidates))
