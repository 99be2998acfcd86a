"""The learned choice of the answer line: the shipped tree model, and the trees read as scikit-learn built them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from retrieval.answer_line import LINE_FEATURES, LINE_MODEL_FILE, LineChooser, candidate_lines
from retrieval.compose import _unit
from retrieval.tree_model import TreeModel


def test_trees_score_as_scikit_learn_built_them(tmp_path: Path) -> None:
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] * x[:, 2] > 0).astype(int)
    fitted = GradientBoostingClassifier(max_depth=3, n_estimators=20, random_state=0).fit(x, y)
    path = tmp_path / "model.json"
    path.write_text(TreeModel.from_sklearn(fitted, ["a", "b", "c"]).to_json(), "utf-8")
    model = TreeModel.load(path, ["a", "b", "c"])
    ours = np.array([model.score(dict(zip("abc", row, strict=True))) for row in x[:50]])
    theirs = fitted.decision_function(x[:50])
    assert np.allclose(ours - ours[0], theirs - theirs[0], atol=1e-4)  # the same scores, less the prior


def test_a_model_built_for_other_features_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"features": ["other"], "trees": [[[-1, 0.0, -1, -1, 1.0]]]}), "utf-8")
    assert not TreeModel.load(path, ["a"]).built
    assert not TreeModel.load(tmp_path / "missing.json", ["a"]).built


def test_the_shipped_line_model_is_built_for_the_features_computed() -> None:
    assert LineChooser.shipped().learned, f"{LINE_MODEL_FILE.name} is missing or stale: run `thidua train-models`"
    assert json.loads(LINE_MODEL_FILE.read_text("utf-8"))["features"] == list(LINE_FEATURES)


def test_every_unit_and_every_title_with_its_list_is_a_candidate_line() -> None:
    units = [_unit(t) for t in ("Hình thức khen thưởng:", "- Huân chương Lao động;", "- Giấy khen các cấp.")]
    lines = candidate_lines(units)
    assert [ln.unit.text for ln in lines[:3]] == [u.text for u in units]
    titled = [ln for ln in lines if ln.group is not None]
    assert [ln.unit.text for ln in titled] == ["Hình thức khen thưởng: Huân chương Lao động; Giấy khen các cấp."]
    assert titled[0].is_whole_list and titled[0].said == tuple(units)
    # a title that only repeats the question is left out of the line
    asked = frozenset({"hinh", "thuc", "khen", "thuong", "gom", "nhung", "nao"})
    assert candidate_lines(units, asked)[-1].unit.text == "Huân chương Lao động; Giấy khen các cấp."


def test_a_list_of_three_or_more_is_told_by_its_items_opening_words() -> None:
    texts = (
        "- Nội bộ đoàn kết, gương mẫu, chấp hành chủ trương của Đảng.",
        "- Hoàn thành có chất lượng, đạt, vượt và về đích sớm các mục tiêu cơ bản;",
        "Nghị quyết số 71, Kế hoạch số 139;",  # the item's sentence on a line of its own
        "- Kịp thời tham mưu, đề xuất với cấp có thẩm quyền.",
    )
    digests = [ln for ln in candidate_lines([_unit(t) for t in texts]) if ln.digest]
    assert [ln.unit.text for ln in digests] == [
        "Nội bộ đoàn kết, gương mẫu, chấp…; Hoàn thành có chất lượng, đạt, vượt…; Kịp thời tham mưu, đề xuất với…"
    ]
    assert digests[0].said == ()  # the list itself stays in the quote


def test_the_sections_own_title_is_a_candidate_line() -> None:
    units = [_unit("a) Chủ trì tham mưu các nội dung chuyên môn.")]
    title = "1. Sở Khoa học và Công nghệ (cơ quan Thường trực của phong trào)"
    headings = [ln for ln in candidate_lines(units, title=title) if ln.heading]
    assert [ln.unit.text for ln in headings] == ["Sở Khoa học và Công nghệ (cơ quan Thường trực của phong trào)"]
    assert headings[0].is_title and not [ln for ln in candidate_lines(units, title="3.") if ln.heading]


def test_a_duty_said_without_its_subject_is_said_after_the_body_for_who() -> None:
    from retrieval.answer_line import duty_holder
    from retrieval.query import parse_query

    title = "1. Phòng Văn hóa – Xã hội (cơ quan Thường trực của phong trào)"
    lead = "Chủ trì xây dựng hướng dẫn khen thưởng sơ, tổng kết phong trào thi đua;"
    who = parse_query("đơn vị nào chủ trì xây dựng hướng dẫn khen thưởng")
    assert duty_holder(title, who, lead) == "Phòng Văn hóa – Xã hội (cơ quan Thường trực của phong trào)"
    assert duty_holder(title, parse_query("hướng dẫn khen thưởng gồm gì"), lead) == ""  # not a "who" question
    assert duty_holder("a) Đối với tập thể", who, lead) == ""  # a title that names no body
    assert duty_holder(title, who, "Phòng Văn hóa – Xã hội (cơ quan Thường trực của phong trào) chủ trì") == ""
