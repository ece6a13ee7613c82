"""The GM's verdicts on word signals exported as labelled texts for the next fit of the early-warning
model (issue 23): `manage.py export_signal_feedback`, read back by `early_warning_train.py --feedback`."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bench import early_warning_train as train
from crisis.early_warning import signal_dismiss, signal_open_crisis
from crisis.early_warning.feedback import COLUMNS
from crisis.models import WarningSignal
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

THREAT = "我要找记者曝光你们，车牌粤B12345，电话13812345678，王先生"
LAWYER = "李女士说保修的事不满意，要找律师"


def export(*args: str) -> tuple[list[dict[str, str]], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_signal_feedback", *args, stdout=out, stderr=err)
    return list(
        csv.DictReader(io.StringIO(out.getvalue()), delimiter="\t", quoting=csv.QUOTE_NONE)
    ), err.getvalue()


def signal_of(customer: Any) -> WarningSignal:
    return WarningSignal.objects.filter(customer=customer, code__startswith="text:").first()


@pytest.fixture
def verdicts(
    gm: Any, agent: Any, store: Any, customer: Any, make_complaint: Callable[..., Any]
) -> dict[str, Any]:
    """An opened case (王先生's threat), a dismissed signal (李女士), a pending one (赵先生)."""
    make_complaint(content=THREAT)
    crisis = signal_open_crisis(signal=signal_of(customer), actor=gm, reason="扬言曝光")
    other = CustomerFactory(store=store, name="李女士")
    staff_name = agent.last_name + agent.first_name
    assert len(staff_name) >= 2
    make_complaint(customer=other, content=f"{LAWYER}，{staff_name}也说没办法")
    signal_dismiss(signal=signal_of(other), actor=gm, reason="保修索赔，已和李女士说明\t流程 13912345678")
    pending = CustomerFactory(store=store, name="赵先生")
    make_complaint(customer=pending, content="再不解决我就去12315投诉")
    return {"crisis": crisis, "pending": pending}


def test_the_export_labels_each_decided_text_once_scrubbed(verdicts: dict[str, Any], tmp_path: Path) -> None:
    rows, summary = export("--store", "SZ01")
    assert [r["verdict"] for r in rows] == ["opened", "dismissed"]  # the pending signal is not a verdict
    opened, dismissed = rows
    assert list(opened) == list(COLUMNS)
    # An opened case: crisis-worthy, of the case's type; the text without plate, phone or name.
    assert opened["label"] == "1" and opened["type"] == verdicts["crisis"].type
    assert opened["text"] == "我要找记者曝光你们，车牌[车牌]，电话[电话]，某某"
    assert opened["author"] == "store:SZ01" and opened["source"] == "complaint"
    # A dismissed signal: not crisis-worthy, with the GM's reason on one line.
    assert dismissed["label"] == "0" and dismissed["type"] == ""
    assert dismissed["text"] == "某某说保修的事不满意，要找律师，某某也说没办法"  # the staff's name too
    assert dismissed["reason"] == "保修索赔，已和某某说明 流程 [电话]"  # scrubbed too
    assert {r["flagged"] for r in rows} <= {"0", "1"}
    assert "2 texts (1 from opened cases, 1 dismissed)" in summary

    # The training script reads the file as texts to fit on, never to score.
    path = tmp_path / "feedback.tsv"
    call_command("export_signal_feedback", "--output", str(path), stderr=io.StringIO())
    fitted = train.feedback_rows([path])
    assert [(r.label, r.text) for r in fitted] == [(1, opened["text"]), (0, dismissed["text"])]
    assert all(r.source == "feedback:store:SZ01" and r.source not in train.SCORED_SOURCES for r in fitted)


def test_a_feedback_text_overlapping_a_test_set_is_not_fitted(tmp_path: Path) -> None:
    held_out = next(
        r["text"] for r in train.read(train.CORPUS) if r["split"] == "test" and len(r["text"]) > 20
    )
    fresh = train.TEST_SETS[1]
    short = next(r["text"] for r in train.read(fresh) if len(r["text"]) < train.FEEDBACK_OVERLAP)
    path = tmp_path / "feedback.tsv"
    path.write_text(
        "\t".join(COLUMNS)
        + "\n"
        + "\n".join(
            "\t".join([label, "", "", "", "store:SZ01", text, "call", "dismissed", "", "", "0"])
            for label, text in [
                ("0", "客户：" + held_out[:12] + "。"),
                ("1", short),  # too short to share a stretch: the same text is left out
                ("0", "保养等了两个小时，太慢了，下次不来了"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    assert [r.text for r in train.feedback_rows([path])] == ["保养等了两个小时，太慢了，下次不来了"]


def test_conflicting_verdicts_are_left_out(
    verdicts: dict[str, Any], gm: Any, agent: Any, make_complaint: Callable[..., Any], store: Any
) -> None:
    # The same words (names scrubbed) judged the other way for another customer: left out, not guessed.
    again = CustomerFactory(store=store, name="孙女士")
    make_complaint(
        customer=again, content=LAWYER.replace("李女士", "孙女士") + f"，{agent.first_name}也说没办法"
    )
    signal_open_crisis(signal=signal_of(again), actor=gm, reason="律师函")
    rows, summary = export()
    assert [r["verdict"] for r in rows] == ["opened"]
    assert "1 judged both ways" in summary


def test_only_the_stores_and_days_asked_for(verdicts: dict[str, Any], other_store: Any) -> None:
    WarningSignal.objects.filter(dismissed_at__isnull=False).update(store=other_store)
    assert [r["verdict"] for r in export("--store", "SZ01")[0]] == ["opened"]
    assert [r["author"] for r in export("--store", "GZ01")[0]] == ["store:GZ01"]
    assert len(export("--store", "GZ01", "--store", "SZ01")[0]) == 2
    assert len(export("--since", "2000-01-01")[0]) == 2
    assert export("--since", "2099-01-01")[0] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "NOPE"], "no store with code 'NOPE'"),
        (["--since", "2026-13-01"], "--since must be YYYY-MM-DD"),
        (["--output", "/no/such/folder/f.tsv"], "no such folder"),
        (["--output", str(Path(__file__).parent)], "cannot write"),  # a folder, not a file
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("export_signal_feedback", *args, stdout=io.StringIO(), stderr=io.StringIO())
