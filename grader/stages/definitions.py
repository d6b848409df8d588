"""The exit criteria of each stage, derived from the "检验标准" (exit criteria) of the seed plan.

Each criterion cites in `source` the part of the plan it comes from. What a program can judge
is a Criterion; what it cannot (explain X, get stars, get offers) is a SelfCheck, listed for
the student and never counted.
"""

from __future__ import annotations

from grader.stages.exercise_criteria import engineering_checks, exercises_passed
from grader.stages.file_criteria import (
    ci_workflow,
    dockerfile_multistage,
    package_metadata,
    pinned_requirements,
    tests_and_coverage,
)
from grader.stages.git_criteria import conventional_commits, git_remote, version_tag
from grader.stages.model import Criterion, SelfCheck, StageDefinition
from grader.stages.readme_criteria import (
    readme_api_docs_link,
    readme_screenshot_and_coverage,
    readme_sections,
)
from grader.stages.typing_criteria import type_hints

CONVENTIONAL_SHARE = 80.0
TYPED_SHARE = 80.0
STAGE2_COVERAGE = 70.0


def _exercises(stage: int, source: str) -> Criterion:
    return Criterion(
        "exercises",
        f"Every stage {stage} exercise passed",
        f"阶段{stage}全部练习通过",
        source,
        exercises_passed,
    )


def _engineering(source: str, min_coverage: float | None = None) -> Criterion:
    title, title_zh = (
        "Engineering checks green on the latest scorecards",
        "工程检查全部通过",
    )
    if min_coverage is not None:
        title = f"flake8 passes and coverage above {min_coverage:g}%"
        title_zh = f"代码通过flake8检查且测试覆盖率>{min_coverage:g}%"
    return Criterion(
        "engineering-checks", title, title_zh, source, engineering_checks(min_coverage)
    )


def _tests(source: str) -> Criterion:
    return Criterion(
        "tests-coverage",
        "Tests and a coverage report",
        "单元测试与覆盖率报告",
        source,
        tests_and_coverage,
    )


def _commits(source: str) -> Criterion:
    return Criterion(
        "conventional-commits",
        f"Conventional commit messages (at least {CONVENTIONAL_SHARE:g}%)",
        "提交信息规范（如 feat: 添加图片下载功能）",
        source,
        conventional_commits(CONVENTIONAL_SHARE),
    )


def _readme(
    sections: tuple[str, ...], title: str, title_zh: str, source: str
) -> Criterion:
    return Criterion(
        "readme-sections", title, title_zh, source, readme_sections(*sections)
    )


COMMITS_KEPT = "阶段1 项目2 工程化要求: 提交信息符合规范 (kept in every later stage)"

STAGE_1 = StageDefinition(
    stage=1,
    criteria=(
        _exercises(1, "阶段1 三、项目实践（必做）; 检验标准·项目里程碑: 两个项目"),
        _engineering(
            "阶段1 学习重点·工程规范: flake8 静态检查, black 格式化, pytest-cov"
        ),
        _readme(
            ("install", "run"),
            "README with install and run sections",
            "README 含安装步骤与运行说明",
            "阶段1 学习重点·文档习惯: README.md编写规范（项目说明、安装步骤）",
        ),
        Criterion(
            "readme-screenshot-coverage",
            "README shows a run screenshot and the test coverage",
            "README包含运行截图和测试覆盖率报告",
            "阶段1 检验标准·项目里程碑: README包含运行截图和测试覆盖率报告",
            readme_screenshot_and_coverage,
        ),
        _tests("阶段1 学习重点·单元测试: pytest; 覆盖率报告: pytest-cov"),
        _commits("阶段1 项目2 工程化要求: 提交信息符合规范（如feat: 添加多线程下载）"),
        Criterion(
            "git-remote",
            "Code hosted on GitHub (a git remote)",
            "代码托管在GitHub",
            "阶段1 检验标准·项目里程碑: 两个项目代码托管在GitHub",
            git_remote,
        ),
    ),
    self_checks=(
        SelfCheck(
            "classmethod-staticmethod",
            "Explain the difference between @classmethod and @staticmethod",
            "能解释@classmethod和@staticmethod的区别",
            "阶段1 检验标准·基础能力",
            "write the explanation with a small example in learning-notes/",
        ),
        SelfCheck(
            "merge-conflict",
            "Resolve a branch merge conflict with Git",
            "能用Git解决分支合并冲突",
            "阶段1 检验标准·基础能力",
            "practise on Learn Git Branching, then merge two branches that edit one line",
        ),
        SelfCheck(
            "pull-request",
            "At least one pull request submitted (e.g. a typo fix in a project's docs)",
            "至少1次Pull Request提交（如修改开源项目文档错别字）",
            "阶段1 检验标准·项目里程碑",
            "link the pull request in your README",
        ),
    ),
)

STAGE_2 = StageDefinition(
    stage=2,
    criteria=(
        _exercises(2, "阶段2 三、项目实践（必做）"),
        _engineering(
            "阶段2 检验标准·工程规范: 代码通过flake8检查且测试覆盖率>70%",
            STAGE2_COVERAGE,
        ),
        _readme(
            ("install", "run", "deploy"),
            "README with install, run and deployment sections",
            "README包含部署指南",
            "阶段2 检验标准·工程规范: 项目README包含部署指南",
        ),
        Criterion(
            "readme-api-docs",
            "README links the API documentation",
            "README包含API文档链接",
            "阶段2 检验标准·工程规范: 项目README包含…API文档链接",
            readme_api_docs_link,
        ),
        _tests("阶段2 检验标准·工程规范: 测试覆盖率>70%; 项目结构 tests/"),
        _commits(COMMITS_KEPT),
    ),
    self_checks=(
        SelfCheck(
            "complex-sql",
            "Write complex SQL queries (e.g. new movies per month)",
            "能编写复杂SQL查询（如“计算每个月的电影新增数量”）",
            "阶段2 检验标准·基础能力",
            "the stage 2 SQL exercise practises it; keep your queries in the repository",
        ),
        SelfCheck(
            "large-csv",
            "Process a CSV file over 100 MB with pandas (memory techniques)",
            "能用Pandas处理100MB以上的CSV文件（内存优化技巧）",
            "阶段2 检验标准·基础能力",
            "measure peak memory with chunksize and dtypes, and note the figures",
        ),
        SelfCheck(
            "github-stars",
            "The data-analysis project has 10+ stars on GitHub",
            "数据分析项目在GitHub上获得10+ Star",
            "阶段2 检验标准·项目里程碑",
            "share it in a technical community",
        ),
        SelfCheck(
            "load-test-report",
            "A load-test report of the API service (e.g. QPS from 50 to 200)",
            "API服务的压力测试报告（如“QPS从50提升至200”）",
            "阶段2 检验标准·项目里程碑",
            "run Locust against the service and keep the report in docs/",
        ),
    ),
)

STAGE_3 = StageDefinition(
    stage=3,
    criteria=(
        _exercises(3, "阶段3 三、项目实践（必做）: 房价预测全流程部署, Kaggle 工程化"),
        _engineering(
            "阶段3 检验标准·基础能力: Dockerfile 镜像体积 < 500MB; 项目1: 编写单元测试"
        ),
        Criterion(
            "dockerfile-multistage",
            "A Dockerfile with a multi-stage build",
            "能编写Dockerfile实现多阶段构建",
            "阶段3 检验标准·基础能力 + 工程规范: 项目代码包含…Dockerfile",
            dockerfile_multistage,
        ),
        Criterion(
            "pinned-requirements",
            "Pinned requirements (== pins or a lock file)",
            "完整的requirements.txt（固定版本）",
            "阶段3 检验标准·工程规范: 项目代码包含完整的requirements.txt",
            pinned_requirements,
        ),
        Criterion(
            "model-version-tag",
            "Model version marked with a git tag (e.g. model-v1.2.0)",
            "用Git Tag标记模型版本（如v1.0.0-model）",
            "阶段3 检验标准·工程规范: 用Git Tag标记模型版本",
            version_tag,
        ),
        _tests("阶段3 项目1 工程化要求: 编写单元测试"),
        _commits(COMMITS_KEPT),
    ),
    self_checks=(
        SelfCheck(
            "forest-vs-boosting",
            "Explain random forests versus gradient boosting (engineering view)",
            "能解释随机森林与梯度提升树的区别（工程视角，非数学推导）",
            "阶段3 检验标准·基础能力",
            "write it down next to your model code, with the trade-offs you measured",
        ),
        SelfCheck(
            "public-service",
            "The prediction service is reachable on the internet (…:8000/docs)",
            "房价预测服务可通过公网访问",
            "阶段3 检验标准·项目里程碑",
            "put the address in your README",
        ),
        SelfCheck(
            "kaggle-top-30",
            "Top 30% in a Kaggle competition",
            "Kaggle竞赛排名进入前30%",
            "阶段3 检验标准·项目里程碑",
            "link your leaderboard entry in your README",
        ),
    ),
)

STAGE_4 = StageDefinition(
    stage=4,
    criteria=(
        _exercises(4, "阶段4 三、项目实践（必做）"),
        _engineering("阶段4 目标: 生产级AI系统开发能力"),
        Criterion(
            "reusable-package",
            "A reusable Python package (pyproject.toml with a name)",
            "产出可复用的Python工具包",
            "阶段4 检验标准·工程能力: 产出可复用的Python工具包",
            package_metadata,
        ),
        Criterion(
            "type-hints",
            f"Type hints on the package's functions (at least {TYPED_SHARE:g}%)",
            "工具包函数带类型注解",
            "阶段4 检验标准·工程能力: 可复用的Python工具包 (a reusable package states its types)",
            type_hints(TYPED_SHARE),
        ),
        Criterion(
            "ci-workflow",
            "A CI workflow runs the tests",
            "CI 流水线自动运行测试",
            "技术栈·云计算与DevOps: CI/CD（GitLab CI/GitHub Actions）; 阶段4 目标: 生产级",
            ci_workflow,
        ),
        _tests("阶段4 目标: 生产级AI系统开发能力 (tests kept from 阶段1)"),
        _commits(COMMITS_KEPT),
    ),
    self_checks=(
        SelfCheck(
            "architecture",
            "Design a highly available AI system architecture diagram "
            "(monitoring, alerting, disaster recovery)",
            "能独立设计高可用AI系统架构图（包含监控/告警/灾备）",
            "阶段4 检验标准·工程能力",
            "keep the diagram in docs/ and explain each part in the README",
        ),
        SelfCheck(
            "offers",
            "Three or more AI engineering offers (pay at least 1.5× the graduate average)",
            "获得3+个AI工程岗offer（薪资≥本科平均1.5倍）",
            "阶段4 检验标准·求职成果",
            "track applications and interviews in a simple table",
        ),
        SelfCheck(
            "blog-followers",
            "A technical blog with 1000+ followers",
            "技术博客粉丝量突破1000",
            "阶段4 检验标准·求职成果",
            "publish a post per project you finish",
        ),
    ),
)

STAGES: dict[int, StageDefinition] = {
    s.stage: s for s in (STAGE_1, STAGE_2, STAGE_3, STAGE_4)
}
