"""Pure computations over Decimal: budget tables, costs, regional indicators, scores, targets, derived figures, cross-checks."""
