"""F3' 项目支出绩效自评表 (财预〔2020〕10号 layout): its sheet plan and formulas (``layout``,
``formulas``), reading (``read``) and recomputation (``calc``)."""
