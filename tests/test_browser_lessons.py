"""A real browser walks a guided lesson in 中文 with projector mode on, by clicking, and saves a
screenshot of every lesson stage (answer revealed) at 1920×1080 and 1280×720 in tests/artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnviz import i18n, lessons
from tests.helpers import no_traceback, opened, settle, zh

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.slow]
SIZES = {"1920x1080": (1920, 1080), "1280x720": (1280, 720)}


def words(key: str, lang: str = "zh") -> str:
    """A string up to its first measured number (a placeholder filled from the model)."""
    return i18n.STRINGS[key][lang].split("{")[0]


def answer_and_reveal(page, lesson: str, k: int, option: int, lang: str = "zh") -> None:
    label = words(lessons.key(lesson, k, f"o{option}"), lang)
    page.locator("[data-testid=stMain] [data-testid=stRadio] label", has_text=label).click()
    reveal = page.get_by_role("button", name=i18n.STRINGS["ls_reveal"][lang])
    page.wait_for_function("b => !b.disabled", arg=reveal.element_handle())
    reveal.click()
    page.wait_for_selector(f"text={label}")
    settle(page, charts=1)


@pytest.fixture()
def projector_page(chromium):
    with opened(chromium, 1920, 1080, "zh-CN") as page:
        yield page


def test_walk_a_lesson_by_clicking_in_chinese_projector_mode(app_server, projector_page) -> None:
    page, lesson = projector_page, "memory"
    page.goto(f"{app_server}/lessons?lang=zh&projector=1")
    page.wait_for_selector(f"h1:has-text('{zh('page_lessons')}')")
    settle(page)
    page.locator("[data-testid=stMain] a", has_text=zh(f"ls_{lesson}_title")).click()
    stages = lessons.LESSONS[lesson].stages
    for k, stage in enumerate(stages):
        page.wait_for_selector(f"text={zh('ls_stage', k=k + 1, n=len(stages))}")
        settle(page)
        assert (
            f"stage={k}" in page.url and "projector=1" in page.url and "lesson=memory" in page.url
        )
        assert page.locator("[data-testid=stMain] .js-plotly-plot").count() == 0  # predict first
        answer_and_reveal(page, lesson, k, stage.answer)
        right = zh("ls_right", answer="").rstrip("。")
        assert page.locator("[data-testid=stAlertContentSuccess]", has_text=right).count() == 1
        no_traceback(page)
        if k < len(stages) - 1:
            page.get_by_role("button", name=zh("ls_next")).click()
    page.wait_for_selector(f"text={zh('ls_done')}")
    # the projector's figures are enlarged: axis labels at least 18 px
    size = page.locator("[data-testid=stMain] .js-plotly-plot .xtick text").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 18, size
    # a shared link reopens the stage
    page.goto(page.url)
    page.wait_for_selector(f"text={zh('ls_stage', k=len(stages), n=len(stages))}")
    no_traceback(page)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", list(SIZES))
def test_screenshots_of_every_lesson_stage(app_server, chromium, size: str, lang: str) -> None:
    """Every stage, answer revealed: 1920×1080 in projector mode (the classroom), 1280×720 in
    the normal mode (a student's laptop), both languages."""
    width, height = SIZES[size]
    locale = "zh-CN" if lang == "zh" else "en-US"
    with opened(chromium, width, height, locale) as page:
        ARTIFACTS.mkdir(exist_ok=True)
        projector = "&projector=1" if width >= 1920 else ""
        for lesson_id, lesson in lessons.LESSONS.items():
            for k, stage in enumerate(lesson.stages):
                page.goto(
                    f"{app_server}/lessons?lang={lang}{projector}&lesson={lesson_id}&stage={k}"
                )
                title = i18n.STRINGS[lessons.key(lesson_id, k, "title")][lang]
                page.wait_for_selector(f"text={title}")
                settle(page)
                answer_and_reveal(page, lesson_id, k, stage.answer, lang)
                no_traceback(page)
                clipped = page.evaluate(
                    "() => document.querySelector('[data-testid=stMain]').scrollWidth"
                    " > document.querySelector('[data-testid=stMain]').clientWidth + 1"
                )
                assert not clipped, f"{lesson_id} stage {k} overflows sideways at {size}"
                stem = ARTIFACTS / f"lesson-{lesson_id}-{k}-{size}-{lang}"
                page.screenshot(path=f"{stem}.png")  # the question and the answer
                page.locator(
                    "[data-testid=stMain] .js-plotly-plot"
                ).last.scroll_into_view_if_needed()
                page.wait_for_timeout(300)
                page.screenshot(path=f"{stem}-figure.png")  # the revealed figure
