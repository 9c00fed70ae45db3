"""The six upload kinds of CONTRACT.md §2, one spec each, in import order (references first)."""

from __future__ import annotations

from data_access.uploads.choices import Enumeration
from data_access.uploads.kinds import evaluations, ex_ante, findings, indicators, monitoring, projects
from data_access.uploads.spec import Spec

SPECS: dict[str, Spec] = {s.kind: s for s in (projects.SPEC, monitoring.SPEC, evaluations.SPEC, findings.SPEC,
                                               ex_ante.SPEC, indicators.SPEC)}
KINDS = tuple(SPECS)
KIND_NAMES = {kind: spec.title for kind, spec in SPECS.items()}
KIND = Enumeration("数据类型", KIND_NAMES, {"ex_ante": "ex-ante", "exante": "ex-ante"})
