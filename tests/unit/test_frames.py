"""DataFrames written in the format of a file's extension read back equal; the format registry hook."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from flytekitplugins.artifacts.errors import ArtifactTypeError, ArtifactValueError
from flytekitplugins.artifacts.ops.summaries import (
    accepts,
    read_frame,
    register_format,
    registered_formats,
    summarize,
    write_frame,
)


def adsl():
    return pd.DataFrame(
        {
            "USUBJID": ["S-001", "S-002", "S-003", "S-004"],
            "AGE": [34, 51, 67, 45],
            "WEIGHT": [70.5, 88.25, None, 61.0],
            "ARM": ["Placebo", "Drug A", "Drug A", "Placebo"],
        }
    )


@pytest.mark.parametrize("file_type", ["parquet", "csv", "tsv", "feather", "jsonl", "ndjson", "xpt", "xlsx"])
def test_dataframe_round_trips(tmp_path, file_type):
    frame = adsl()
    path = tmp_path / f"adsl.{file_type}"
    write_frame(frame, path)
    back = read_frame(path)
    assert isinstance(back, pd.DataFrame)
    # SAS transport stores every number as a double; the other formats keep the integer type.
    pd.testing.assert_frame_equal(back, frame, check_dtype=file_type != "xpt")
    if file_type == "xpt":
        assert back["AGE"].tolist() == [34.0, 51.0, 67.0, 45.0]
    summary = summarize(path)
    assert summary["kind"] == "table" and summary["rows"] == 4 and "error" not in summary


@pytest.mark.parametrize("file_type", ["parquet", "feather", "csv", "jsonl"])
def test_pyarrow_table_round_trips(tmp_path, file_type):
    table = pa.Table.from_pandas(adsl(), preserve_index=False)
    path = tmp_path / f"adsl.{file_type}"
    write_frame(table, path)
    pd.testing.assert_frame_equal(read_frame(path), adsl())


def test_index_is_kept(tmp_path):
    frame = adsl().set_index("USUBJID")
    write_frame(frame, tmp_path / "a.parquet")
    pd.testing.assert_frame_equal(read_frame(tmp_path / "a.parquet"), frame)
    write_frame(frame, tmp_path / "a.csv")
    pd.testing.assert_frame_equal(read_frame(tmp_path / "a.csv"), adsl())


def test_file_type_argument_overrides_extension(tmp_path):
    path = tmp_path / "adsl dataset"
    write_frame(adsl(), path, "parquet")
    pd.testing.assert_frame_equal(read_frame(path, "parquet"), adsl())
    pd.testing.assert_frame_equal(read_frame(path, ".PARQUET"), adsl())


def test_unknown_extension_names_it_and_the_registered_ones(tmp_path):
    with pytest.raises(ArtifactValueError) as err:
        write_frame(adsl(), tmp_path / "adsl.weird")
    assert "'weird'" in str(err.value) and "parquet" in str(err.value) and "csv" in str(err.value)
    with pytest.raises(ArtifactValueError, match="weird"):
        read_frame(tmp_path / "adsl.weird")
    assert not accepts(adsl(), "weird")


def test_wrong_value_type_is_refused(tmp_path):
    with pytest.raises(ArtifactTypeError, match="pandas.DataFrame"):
        write_frame({"a": [1]}, tmp_path / "a.parquet")
    assert not (tmp_path / "a.parquet").exists()
    assert accepts(adsl(), "parquet") and accepts(pa.table({"a": [1]}), "csv")
    with pytest.raises(ArtifactValueError, match="no writer"):
        write_frame(adsl(), tmp_path / "a.sas7bdat")


def test_register_format_adds_a_type(tmp_path, restore_registry):
    class Matrix:
        def __init__(self, rows):
            self.rows = rows

    def write(value, path):
        with open(path, "w") as f:
            f.write("\n".join(" ".join(map(str, row)) for row in value.rows))

    def read(path):
        with open(path) as f:
            return Matrix([[int(x) for x in line.split()] for line in f])

    fmt = register_format(".MAT", writer=write, reader=read, types=(Matrix,))
    assert fmt.file_type == "mat" and "mat" in registered_formats()
    write_frame(Matrix([[1, 2], [3, 4]]), tmp_path / "m.mat")
    assert read_frame(tmp_path / "m.mat").rows == [[1, 2], [3, 4]]
    with pytest.raises(ArtifactTypeError):
        write_frame(adsl(), tmp_path / "x.mat")

    # Replacing only the reader keeps the writer; qualified class names work without importing.
    register_format("mat", reader=lambda path: "replaced")
    write_frame(Matrix([[5]]), tmp_path / "n.mat")
    assert read_frame(tmp_path / "n.mat") == "replaced"
    register_format("npy", writer=lambda v, p: np.save(p, v), reader=np.load, types=("numpy.ndarray",))
    write_frame(np.arange(3), tmp_path / "a.npy")
    assert read_frame(tmp_path / "a.npy").tolist() == [0, 1, 2]


def test_register_format_checks_its_arguments(restore_registry):
    with pytest.raises(ArtifactValueError):
        register_format("", writer=print)
    with pytest.raises(ArtifactTypeError):
        register_format("x", writer="not callable")
    with pytest.raises(ArtifactValueError, match="needs a writer"):
        register_format("y")
    with pytest.raises(ArtifactTypeError):
        register_format("z", writer=print, types=(3,))
