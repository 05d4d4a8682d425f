"""The gateway's commands refuse bad input with a message and an exit code, before any service is called."""

from tools.cli import main


def test_deidentify_names_a_missing_file(tmp_path, capsys):
    assert main(["deidentify", str(tmp_path / "nope.pdf"), "--api-key", "k"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_deidentify_takes_one_report_name_for_one_file_only(tmp_path, capsys):
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    a.write_bytes(b"%PDF-1.7")
    b.write_bytes(b"%PDF-1.7")
    assert main(["deidentify", str(a), str(b), "--report", str(tmp_path / "x.json")]) == 2
    assert "-o names a folder" in capsys.readouterr().err


def test_deidentify_without_a_key_says_where_to_get_one(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("VEIL_API_KEY", raising=False)
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    assert main(["deidentify", str(pdf)]) == 1
    assert "VEIL_API_KEY" in capsys.readouterr().err


def test_deidentify_reports_an_unreachable_gateway_per_file(tmp_path, capsys):
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    assert main(["deidentify", str(pdf), "--api-key", "k", "--url", "http://127.0.0.1:9", "--timeout", "5"]) == 1
    assert "veil up" in capsys.readouterr().err


def test_eval_without_a_corpus_says_how_to_make_one(tmp_path, capsys):
    assert main(["eval", str(tmp_path / "none")]) == 2
    assert "--generate" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["eval", str(tmp_path / "empty")]) == 2
