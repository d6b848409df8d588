"""The four stages of the learning path, titled as the seed's plan names them."""

from __future__ import annotations

STAGE_TITLES: dict[int, tuple[str, str]] = {
    1: ("Python basics + engineering toolchain", "Python基础 + 工程工具链"),
    2: ("Data processing + web basics", "数据处理 + Web基础"),
    3: (
        "Machine learning basics + getting started with engineering",
        "机器学习基础 + 工程化入门",
    ),
    4: ("Advanced engineering + a vertical domain", "工程化进阶 + 垂直领域"),
}


def stage_heading(stage: int) -> str:
    """`Stage 1 — Python basics + engineering toolchain / 阶段1：Python基础 + 工程工具链`."""
    if stage not in STAGE_TITLES:
        return f"Stage {stage}" if stage else "Other exercises / 其他练习"
    english, chinese = STAGE_TITLES[stage]
    return f"Stage {stage} — {english} / 阶段{stage}：{chinese}"
