"""`veil db migrate` on both backends and its errors; the benchmark's text sources and README writing."""

from __future__ import annotations

import pytest

from services.classifier.inference import InferenceStore
from tools.classifier import bench
from tools.cli import main
from veil.procs import free_port
from veil.stores.db import Database


def test_db_migrate_creates_the_stores_and_is_idempotent(database, capsys):
    assert main(["db", "migrate", "--database-url", database.url]) == 0
    assert "inference store: applied migration(s) 1" in capsys.readouterr().out
    assert main(["db", "migrate", "--database-url", database.url]) == 0
    assert "inference store: already up to date" in capsys.readouterr().out
    store = InferenceStore(database)
    assert store.count() == 0 and store.schema_version() == 1
    store.close()


def test_db_migrate_uses_the_configured_url_by_default(monkeypatch, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'configured.sqlite3'}"
    monkeypatch.setenv("VEIL_DATABASE_URL", url)
    assert main(["db", "migrate"]) == 0
    assert url in capsys.readouterr().out
    assert InferenceStore(Database(url)).schema_version() == 1


def test_db_migrate_explains_a_bad_or_unreachable_database_without_a_traceback(capsys):
    assert main(["db", "migrate", "--database-url", "mysql://nope"]) == 2
    assert "expected postgresql://" in capsys.readouterr().err
    assert main(["db", "migrate", "--database-url", f"postgresql://postgres@127.0.0.1:{free_port()}/x"]) == 1
    err = capsys.readouterr().err
    assert "OperationalError" in err and "Traceback" not in err


@pytest.mark.postgres
def test_db_migrate_creates_the_training_tables_in_the_training_database_when_one_is_named(
        tmp_path, postgres_url, monkeypatch, capsys):
    from services.classifier.training import rows

    sqlite = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.delenv("VEIL_TRAINING_DATABASE_URL", raising=False)
    assert main(["db", "migrate", "--database-url", sqlite]) == 0
    assert "training tables: skipped" in capsys.readouterr().out
    assert main(["db", "migrate", "--database-url", sqlite, "--training-database-url", postgres_url]) == 0
    assert "training tables: training_rows, training_token_rows ensured" in capsys.readouterr().out
    assert rows.count_by_dataset(postgres_url, rows.TOKEN_TABLE) == {}
    rows.replace_token_dataset(postgres_url, "t", [rows.TokenRow("Anna", [{"start": 0, "end": 4, "type": "PERSON"}])])
    monkeypatch.setenv("VEIL_TRAINING_DATABASE_URL", postgres_url)
    assert main(["db", "migrate", "--database-url", sqlite]) == 0  # idempotent, keeps the rows
    assert rows.count_by_dataset(postgres_url, rows.TOKEN_TABLE) == {"t": 1}
    assert main(["db", "migrate", "--database-url", sqlite, "--training-database-url", f"sqlite:///{tmp_path}/x"]) == 2
    assert "expected postgresql://" in capsys.readouterr().err


def test_unique_texts_never_repeat_and_repeated_texts_come_from_the_pool():
    unique = bench._Texts(["a b", "c d"], unique=True, seed=1)
    taken = unique.take(5) + unique.take(5)
    assert len(set(taken)) == 10
    repeated = bench._Texts(["a b", "c d"], unique=False, seed=1)
    assert set(repeated.take(50)) <= {"a b", "c d"}


def test_the_figures_replace_only_the_bench_section_of_the_readme(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{bench.README_START}\nold\n{bench.README_END}\n\n## After\n")
    result = bench.Result(rows=[bench.Row(1, "unique", 100, 0, 10.0, 5, 9, 12),
                                bench.Row(32, "unique", 20, 0, 10.0, 40, 60, 80)],
                          setup={"workers": 2, "threads": 8, "clients": 8, "seconds": 10, "cpus": 2,
                                 "embedder_model": "m", "embedder_version": "v", "model": "phi-type",
                                 "model_version": "v1"})
    text = bench.report(result)
    assert "batch 32 vs batch 1 (unique texts): x6.4" in text
    bench.write_readme(readme, text)
    content = readme.read_text()
    assert "old" not in content and "| 32 | unique | 20 | 0 | 2.0 | 64.0 |" in content
    assert content.startswith("# Title") and content.endswith("## After\n")
    with pytest.raises(ValueError, match="BENCH"):
        bench.write_readme(_without_markers(tmp_path), text)


def _without_markers(tmp_path):
    path = tmp_path / "plain.md"
    path.write_text("# no markers\n")
    return path
