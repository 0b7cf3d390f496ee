"""Client and AsyncClient: render -> complete -> parse -> validate, batched, with errors as values.

The five task functions (``translate``, ``extract``, ``predict``, ``classify``, ``generate``) choose a task
by id or by keywords and delegate to :meth:`Client.run`. One input returns one :class:`TaskResult` (bad
input raises before any model call); a list returns a list in which a bad item is an :class:`ItemError`
and every good item keeps its result.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from sciReason.backends.base import Backend, BackendResult, acomplete, astream, request_problem, stream
from sciReason.errors import BackendError, InputError, ItemError, SciReasonError
from sciReason.parsing import parse_answer
from sciReason.prompts import Sampling, build_request, validate_input
from sciReason.results import Candidate, TaskResult, UsageInfo, distinct_values
from sciReason.tasks import TaskSpec, find_task, get_task
from sciReason.types import ChatRequest, ChatResponse, Delta

log = logging.getLogger(__name__)

Outcome = TaskResult | ItemError
#: Requests ``generate(n=...)`` may make per item to reach ``n`` distinct valid values (``max_attempts`` overrides).
GENERATE_MAX_ATTEMPTS = 5
_SAMPLING_KEYS = (
    "n",
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "num_beams",
    "seed",
    "thinking",
    "model",
)


def _is_batch(x: Any) -> bool:
    return isinstance(x, list)


def _result(spec: TaskSpec, item: Any, response: ChatResponse, attempts: int) -> TaskResult:
    cands = []
    for choice in response.choices:
        pc = parse_answer(spec, choice.text, choice.reasoning, choice.finish_reason)
        cands.append(
            Candidate(
                value=pc.parsed.value,
                answer=pc.parsed.answer,
                raw=choice.text,
                reasoning=pc.reasoning,
                valid=pc.parsed.valid,
                reason=pc.parsed.reason,
                finish_reason=choice.finish_reason,
                truncated_in_reasoning=pc.truncated_in_reasoning,
            )
        )
    best = next((c for c in cands if c.valid), cands[0] if cands else None)
    usage = UsageInfo(
        prompt_tokens=response.usage.prompt_tokens, completion_tokens=response.usage.completion_tokens
    )
    if best is None:
        return TaskResult(
            task=spec.id,
            family=spec.family,
            input=item,
            valid=False,
            reason="backend returned no choices",
            usage=usage,
            attempts=attempts,
            model=response.model,
        )
    return TaskResult(
        task=spec.id,
        family=spec.family,
        input=item,
        value=best.value if best.valid else None,
        unit=spec.unit if best.valid else None,
        answer=best.answer,
        raw=best.raw,
        reasoning=best.reasoning,
        valid=best.valid,
        reason=best.reason,
        finish_reason=best.finish_reason,
        truncated_in_reasoning=best.truncated_in_reasoning,
        usage=usage,
        candidates=cands,
        attempts=attempts,
        model=response.model,
    )


class _Run:
    """State of one batch across attempts (shared by the sync and async clients).

    With ``want`` set (``generate(n=...)``), an item stays pending until it has ``want`` distinct valid
    values; each later attempt asks for a quarter more than the missing count (duplicates and invalid
    samples are common), up to ``max_attempts`` requests in all.
    """

    def __init__(
        self,
        spec: TaskSpec,
        inputs: Sequence[Any],
        sampling: Sampling,
        max_attempts: int,
        want: int | None = None,
    ) -> None:
        if max_attempts < 1:
            raise InputError(f"max_attempts must be >= 1, got {max_attempts}")
        if want is not None and want < 1:
            raise InputError(f"n must be >= 1, got {want}")
        self.spec, self.sampling, self.max_attempts, self.want = spec, sampling, max_attempts, want
        self.outcomes: list[Outcome | None] = [None] * len(inputs)
        self.inputs = list(inputs)
        self.items: dict[int, Any] = {}
        for i, item in enumerate(inputs):
            try:
                self.items[i] = validate_input(spec, item)
            except SciReasonError as exc:
                self.outcomes[i] = ItemError.from_exception(item, exc)
        self.pending = list(self.items)

    def screen(self, backend: Backend) -> None:
        """Before any model call: an input the backend cannot take at all (longer than the model's
        context) becomes an :class:`InputError` in its slot."""
        for i in self.pending:
            problem = request_problem(backend, build_request(self.spec, self.items[i], self.sampling, 0))
            if problem:
                self.outcomes[i] = ItemError.from_exception(self.inputs[i], InputError(problem))
        self.pending = [i for i in self.pending if self.outcomes[i] is None]

    def _missing(self, i: int) -> int:
        have = self.outcomes[i]
        got = len(distinct_values(have.candidates)) if isinstance(have, TaskResult) else 0
        return max(0, (self.want or 0) - got)

    def requests(self, attempt: int) -> list[ChatRequest]:
        out = []
        for i in self.pending:
            sampling = self.sampling
            if self.want is not None and attempt > 0:
                missing = self._missing(i)
                sampling = dataclasses.replace(sampling, n=missing + max(1, missing // 4))
            out.append(build_request(self.spec, self.items[i], sampling, attempt))
        return out

    def absorb(self, attempt: int, responses: Sequence[BackendResult]) -> None:
        still = []
        for i, resp in zip(self.pending, responses, strict=True):
            if isinstance(resp, BackendError):
                self.outcomes[i] = ItemError.from_exception(self.inputs[i], resp)
                continue
            res = _result(self.spec, self.inputs[i], resp, attempt + 1)
            previous = self.outcomes[i]
            if isinstance(previous, TaskResult):  # keep every candidate seen and the usage of all attempts
                res.candidates = previous.candidates + res.candidates
                res.usage = UsageInfo(
                    prompt_tokens=previous.usage.prompt_tokens + res.usage.prompt_tokens,
                    completion_tokens=previous.usage.completion_tokens + res.usage.completion_tokens,
                )
            self.outcomes[i] = res
            if self.want is not None:
                self._account(res, attempt + 1)
                if res.shortfall:
                    still.append(i)
            elif not res.valid:
                still.append(i)
        self.pending = still if attempt + 1 < self.max_attempts else []

    def _account(self, res: TaskResult, attempts: int) -> None:
        """generate(n=...): the requested count, the shortfall and, when short, the reason."""
        want = self.want or 0
        got = len(distinct_values(res.candidates))
        res.requested, res.shortfall = want, max(0, want - got)
        res.valid = got > 0
        if res.shortfall:
            res.reason = (
                f"{min(got, want)} distinct valid of {want} requested after {attempts} request(s) "
                f"({res.shortfall} short; raise max_attempts to resample more)"
            )
        elif res.valid:
            res.reason = None
        if res.valid and res.value is None:  # this attempt's samples were all invalid, earlier ones were not
            first = next(c for c in res.candidates if c.valid)
            res.value, res.unit, res.answer, res.raw = first.value, self.spec.unit, first.answer, first.raw

    def results(self) -> list[Outcome]:
        return [
            o if o is not None else ItemError(self.inputs[i], "SciReasonError", "no result")
            for i, o in enumerate(self.outcomes)
        ]


def _chunks(requests: list[ChatRequest], size: int) -> list[list[ChatRequest]]:
    return [requests[i : i + size] for i in range(0, len(requests), size)] or []


class _Base:
    def __init__(
        self,
        backend: Any = None,
        *,
        max_attempts: int = 1,
        batch_size: int = 64,
        thinking: bool | None = None,
        **backend_options: Any,
    ) -> None:
        self._backend_spec = backend
        self._backend_options = backend_options
        self._backend: Backend | None = (
            backend if (backend is not None and hasattr(backend, "complete")) else None
        )
        self.max_attempts = max_attempts
        self.batch_size = batch_size
        self.thinking = thinking

    @property
    def backend(self) -> Backend:
        """The backend, resolved on first use (so creating a client never loads weights)."""
        if self._backend is None:
            from sciReason.backends.registry import get_backend

            self._backend = get_backend(self._backend_spec, **self._backend_options)
        return self._backend

    def _prepare(
        self,
        task: str | TaskSpec,
        inputs: Sequence[Any],
        overrides: dict[str, Any],
        want: int | None = None,
    ) -> _Run:
        spec = get_task(task)
        unknown = set(overrides) - set(_SAMPLING_KEYS) - {"max_attempts"}
        if unknown:
            raise InputError(
                f"unknown option(s) {sorted(unknown)}; allowed: {', '.join(_SAMPLING_KEYS)}, max_attempts"
            )
        kw = {k: overrides.get(k) for k in _SAMPLING_KEYS}
        if kw["thinking"] is None:
            kw["thinking"] = self.thinking
        attempts = overrides.get("max_attempts") or (
            max(self.max_attempts, GENERATE_MAX_ATTEMPTS) if want is not None else self.max_attempts
        )
        return _Run(spec, inputs, Sampling(**kw), attempts, want)

    @staticmethod
    def _pick(family: str, task: str | None, **keywords: Any) -> TaskSpec:
        if task is not None:
            spec = get_task(task)
            if spec.family != family:
                log.info("task %s is a %s task, used through %s()", spec.id, spec.family, family)
            return spec
        return find_task(family, **keywords)

    def _stream_state(self, task: str | TaskSpec, x: Any, overrides: dict[str, Any]) -> _Run:
        if _is_batch(x):
            raise InputError("stream() takes one input; use run() or a task function for a list")
        state = self._prepare(task, [x], overrides)
        bad = state.outcomes[0]
        if isinstance(bad, ItemError):
            raise _reraise(bad)
        return state

    @staticmethod
    def _stream_end(state: _Run) -> TaskResult:
        out = state.results()[0]
        if isinstance(out, ItemError):
            raise _reraise(out)
        return out

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()


class Client(_Base):
    """Synchronous client.

    Args:
        backend: ``None`` (``$SCIREASON_BACKEND``, else the embedded ``sciReason-tiny`` model), ``"scripted"``,
            an ``http(s)://`` server URL, a model directory / ``local:ID``, or a Backend object.
        max_attempts: resample an invalid answer up to this many requests in total.
        batch_size: requests sent to the backend per call.
        thinking: force reasoning on/off for every task (``None`` = each task's default).
        backend_options: passed to the backend (``api_key``, ``dialect``, ``device_map``, ...).

    >>> from sciReason.backends import ScriptedBackend
    >>> c = Client(ScriptedBackend("<IUPAC> ethanol </IUPAC>"))
    >>> c.translate("CCO", source="smiles", target="iupac").value
    'ethanol'
    """

    def run(self, task: str | TaskSpec, inputs: Sequence[Any], **overrides: Any) -> list[Outcome]:
        """Run ``task`` on a batch; one :class:`TaskResult` or :class:`ItemError` per input, in order."""
        return self._drive(self._prepare(task, inputs, overrides))

    def _drive(self, state: _Run) -> list[Outcome]:
        state.screen(self.backend)
        attempt = 0
        while state.pending:
            reqs = state.requests(attempt)
            responses: list[BackendResult] = []
            for chunk in _chunks(reqs, self.batch_size):
                responses.extend(self.backend.complete(chunk))
            state.absorb(attempt, responses)
            attempt += 1
        return state.results()

    def stream(self, task: str | TaskSpec, x: Any, **overrides: Any) -> Iterator[Delta | TaskResult]:
        """Run ``task`` on one input, yielding :class:`~sciReason.types.Delta` values as the model writes
        (token by token on local weights, server-sent events from a server), then the parsed, validated
        :class:`TaskResult` as the last item.

        A resampled attempt (``max_attempts`` > 1 and an invalid answer) streams again with
        ``Delta.attempt`` counting up. Bad input raises before any model call; a failed call raises its
        error after the deltas it produced.

        >>> from sciReason.backends import ScriptedBackend
        >>> events = list(Client(ScriptedBackend("<IUPAC> ethanol </IUPAC>")).stream(
        ...     "smol_name_conversion-s2i", "CCO"))
        >>> events[0].text, events[-1].value
        ('<IUPAC> ethanol </IUPAC>', 'ethanol')
        """
        state = self._stream_state(task, x, overrides)
        attempt = 0
        while state.pending:
            final: Any = None
            for item in stream(self.backend, state.requests(attempt)[0]):
                if isinstance(item, Delta):
                    yield dataclasses.replace(item, attempt=attempt)
                else:
                    final = item
            state.absorb(attempt, [final])
            attempt += 1
        yield self._stream_end(state)

    def _one_or_many(self, spec: TaskSpec, x: Any, overrides: dict[str, Any], want: int | None = None) -> Any:
        if _is_batch(x):
            return self._drive(self._prepare(spec, x, overrides, want))
        out = self._drive(self._prepare(spec, [x], overrides, want))[0]
        if isinstance(out, ItemError):
            raise _reraise(out)
        return out

    def translate(
        self,
        x: Any,
        *,
        source: str | None = None,
        target: str | None = None,
        task: str | None = None,
        **kw: Any,
    ) -> Any:
        """Translate between representations, e.g. ``translate("CCO", source="smiles", target="iupac")``."""
        return self._one_or_many(self._pick("translate", task, source=source, target=target), x, kw)

    def extract(self, text: Any, *, task: str | None = None, property: str | None = None, **kw: Any) -> Any:
        """Extract entities/relations/answers from text, e.g. ``extract(passage, task="mol_instruction_chemical_entity_recognition")``."""
        return self._one_or_many(self._pick("extract", task, property=property or "cer"), text, kw)

    def predict(self, x: Any, *, property: str | None = None, task: str | None = None, **kw: Any) -> Any:
        """Predict a number, e.g. ``predict("CCO", property="esol")`` -> value in log(mol/L)."""
        return self._one_or_many(self._pick("predict", task, property=property), x, kw)

    def classify(self, x: Any, *, property: str | None = None, task: str | None = None, **kw: Any) -> Any:
        """Classify, e.g. ``classify("CCO", property="bbbp")`` -> value True/False."""
        return self._one_or_many(self._pick("classify", task, property=property), x, kw)

    def generate(
        self, kind: str = "molecule", *, condition: Any = None, n: int = 1, task: str | None = None, **kw: Any
    ) -> Any:
        """Generate ``n`` distinct valid candidates of ``kind`` (molecule, protein, rna, material), optionally
        conditioned on a description; a list of conditions gives a list of results.

        ``result.values`` holds the ``n`` distinct valid values (canonical SMILES, checked sequences). Invalid
        and repeated samples are replaced by resampling, up to ``max_attempts`` requests (default
        ``GENERATE_MAX_ATTEMPTS``); if that is not enough, ``result.shortfall`` says how many are missing and
        ``result.reason`` says why. Every sample drawn stays in ``result.candidates``."""
        spec = (
            self._pick("generate", task, kind=kind)
            if task or not _has_condition(condition)
            else _conditional(kind)
        )
        kw["n"] = n
        return self._one_or_many(spec, condition, kw, want=n)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_Base):
    """Async twin of :class:`Client` (same methods, awaitable). Backends without a native async
    ``acomplete`` run in a worker thread."""

    async def run(self, task: str | TaskSpec, inputs: Sequence[Any], **overrides: Any) -> list[Outcome]:
        return await self._drive(self._prepare(task, inputs, overrides))

    async def _drive(self, state: _Run) -> list[Outcome]:
        state.screen(self.backend)
        attempt = 0
        while state.pending:
            reqs = state.requests(attempt)
            responses: list[BackendResult] = []
            for chunk in _chunks(reqs, self.batch_size):
                responses.extend(await acomplete(self.backend, chunk))
            state.absorb(attempt, responses)
            attempt += 1
        return state.results()

    async def stream(
        self, task: str | TaskSpec, x: Any, **overrides: Any
    ) -> AsyncIterator[Delta | TaskResult]:
        """Async :meth:`Client.stream` (``async for event in client.stream(...)``)."""
        state = self._stream_state(task, x, overrides)
        attempt = 0
        while state.pending:
            final: Any = None
            async for item in astream(self.backend, state.requests(attempt)[0]):
                if isinstance(item, Delta):
                    yield dataclasses.replace(item, attempt=attempt)
                else:
                    final = item
            state.absorb(attempt, [final])
            attempt += 1
        yield self._stream_end(state)

    async def _one_or_many(
        self, spec: TaskSpec, x: Any, overrides: dict[str, Any], want: int | None = None
    ) -> Any:
        if _is_batch(x):
            return await self._drive(self._prepare(spec, x, overrides, want))
        out = (await self._drive(self._prepare(spec, [x], overrides, want)))[0]
        if isinstance(out, ItemError):
            raise _reraise(out)
        return out

    async def translate(
        self,
        x: Any,
        *,
        source: str | None = None,
        target: str | None = None,
        task: str | None = None,
        **kw: Any,
    ) -> Any:
        return await self._one_or_many(self._pick("translate", task, source=source, target=target), x, kw)

    async def extract(
        self, text: Any, *, task: str | None = None, property: str | None = None, **kw: Any
    ) -> Any:
        return await self._one_or_many(self._pick("extract", task, property=property or "cer"), text, kw)

    async def predict(
        self, x: Any, *, property: str | None = None, task: str | None = None, **kw: Any
    ) -> Any:
        return await self._one_or_many(self._pick("predict", task, property=property), x, kw)

    async def classify(
        self, x: Any, *, property: str | None = None, task: str | None = None, **kw: Any
    ) -> Any:
        return await self._one_or_many(self._pick("classify", task, property=property), x, kw)

    async def generate(
        self, kind: str = "molecule", *, condition: Any = None, n: int = 1, task: str | None = None, **kw: Any
    ) -> Any:
        spec = (
            self._pick("generate", task, kind=kind)
            if task or not _has_condition(condition)
            else _conditional(kind)
        )
        kw["n"] = n
        return await self._one_or_many(spec, condition, kw, want=n)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


_CONDITIONAL = {
    "molecule": "smol_molecule_generation",
    "protein": "mol_instruction_protein_design",
    "material": "composition_to_material_generation",
}


def _has_condition(condition: Any) -> bool:
    if isinstance(condition, list):
        return any(c is not None for c in condition)
    return condition is not None


def _conditional(kind: str) -> TaskSpec:
    key = kind.strip().lower()
    if key not in _CONDITIONAL:
        raise InputError(
            f"no conditional generation task for kind {kind!r}; use one of {', '.join(_CONDITIONAL)} or task=ID"
        )
    return get_task(_CONDITIONAL[key])


def _reraise(err: ItemError) -> SciReasonError:
    """Turn a single item's error value back into the exception it came from."""
    from sciReason import errors

    cls = getattr(errors, err.error_type, None)
    if isinstance(cls, type) and issubclass(cls, SciReasonError):
        try:
            return cls(err.message)
        except TypeError:
            pass
    return SciReasonError(err.message)
