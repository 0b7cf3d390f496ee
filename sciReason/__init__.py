"""sciReason: SDK, design loop and training recipe for scientific reasoning language models.

>>> import sciReason
>>> sciReason.configure("scripted", handler="<IUPAC> ethanol </IUPAC>")  # doctest: +ELLIPSIS
<sciReason.client.Client object at ...>
>>> sciReason.translate("CCO", source="smiles", target="iupac").value
'ethanol'

Heavy packages (torch, transformers, rdkit, optuna) are imported only when a feature needs them.
"""

from __future__ import annotations

from sciReason.api import classify, configure, design, extract, generate, predict, score, translate
from sciReason.client import AsyncClient, Client
from sciReason.errors import (
    BackendError,
    ConfigError,
    InputError,
    InvalidSequenceError,
    ItemError,
    MissingDependencyError,
    ModelNotFoundError,
    OracleError,
    SciReasonError,
    TargetSyntaxError,
    UnknownTaskError,
)
from sciReason.results import Candidate, TaskResult
from sciReason.tasks import TASKS, Decoding, TaskSpec, find_task, get_task, list_tasks
from sciReason.types import Delta

__version__ = "0.1.0"

__all__ = [
    "TASKS",
    "AsyncClient",
    "BackendError",
    "Candidate",
    "Client",
    "ConfigError",
    "Decoding",
    "Delta",
    "InputError",
    "InvalidSequenceError",
    "ItemError",
    "MissingDependencyError",
    "ModelNotFoundError",
    "OracleError",
    "SciReasonError",
    "TargetSyntaxError",
    "TaskResult",
    "TaskSpec",
    "UnknownTaskError",
    "__version__",
    "classify",
    "configure",
    "design",
    "extract",
    "find_task",
    "generate",
    "get_task",
    "list_tasks",
    "predict",
    "score",
    "translate",
]
