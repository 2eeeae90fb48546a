"""Scoring defaults for self-evaluation (DOMAIN.md, "Scoring"), kept in one configurable place."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ScoringConfig:
    total: Decimal = Decimal(100)
    execution_weight: Decimal = Decimal(10)        # 预算执行率
    indicator_total: Decimal = Decimal(90)
    # 定性 grades: share of the weight for 达成 / 部分达成 / 未达成
    qualitative: dict = field(default_factory=lambda: {
        "达成年度指标": Decimal("1.00"),
        "部分达成年度指标并具有一定效果": Decimal("0.70"),
        "未达成年度指标且效果较差": Decimal("0.30"),
    })
    grades: tuple = ((Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (Decimal(0), "差"))
    overshoot_note: Decimal = Decimal(130)         # actual ≥ 130% of target is worth a note
    implausible_rate: Decimal = Decimal(150)

    def grade(self, score: Decimal) -> str:
        for floor, name in self.grades:
            if score >= floor:
                return name
        return self.grades[-1][1]


DEFAULT_CONFIG = ScoringConfig()
