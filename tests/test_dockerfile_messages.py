"""The Dockerfile check says why an image was not built as a message: its id and parameters
are stored, the English text is what it always was, and a Chinese reader reads Chinese
around the engine's own words."""

from __future__ import annotations

import pytest

from grader.graders.dockerfile_build_state import Build
from grader.graders.dockerfile_check import NO_NETWORK, _build_failure
from grader.i18n.catalog import say


@pytest.mark.parametrize(
    "build, english, chinese",
    [
        (
            Build(step="RUN apt-get install -y curl", error="exit code: 100"),
            "the image did not build at `RUN apt-get install -y curl`: exit code: 100 "
            f"({NO_NETWORK})",
            "镜像在 `RUN apt-get install -y curl` 处构建失败：exit code: 100（构建时没有网络：",
        ),
        (
            Build(step="RUN pip3.11 install x", error="returned a non-zero code: 127"),
            "the image did not build at `RUN pip3.11 install x`: returned a non-zero "
            "code: 127 (exit code 127, command not found",
            "（退出码 127，找不到命令",
        ),
        (
            Build(step="RUN make", error="returned a non-zero code: 137"),
            "the image did not build at `RUN make`: returned a non-zero code: 137 "
            "(killed: a build step may use at most",
            "（被强制终止：一个构建步骤最多只能使用",
        ),
        (
            Build(error="no such file"),
            "the image did not build: no such file",
            "镜像构建失败：no such file",
        ),
        (
            Build(
                step="RUN yes > f", stopped="the build wrote more than 50 MB to disk"
            ),
            "the build wrote more than 50 MB to disk during `RUN yes > f` and was "
            "stopped; make it smaller",
            "the build wrote more than 50 MB to disk（在 `RUN yes > f` 期间），构建已被停止",
        ),
        (
            Build(step="RUN sleep 99", timed_out=True),
            "the build took longer than 3 s and was stopped during `RUN sleep 99`; "
            "make it faster",
            "构建超过了 3 秒，在 `RUN sleep 99` 期间被停止",
        ),
    ],
)
def test_a_build_failure_is_a_message_in_either_language(
    build: Build, english: str, chinese: str
) -> None:
    message = _build_failure(build, 3.0)
    assert message.text.startswith(english)
    assert chinese in say(message, "zh")
