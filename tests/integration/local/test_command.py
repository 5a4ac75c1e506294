"""Command tasks: what reaches the command, what comes back, and every way a command task fails."""

import hashlib
import json
import os
import subprocess
import sys
import typing
import warnings
from typing import TypeVar

import pytest
from flytekit import workflow
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile
from repo_paths import REPO, TESTS

from flytekitplugins.artifacts import (
    DATA,
    REPORT,
    Artifact,
    ArtifactStore,
    ArtifactTypeError,
    ArtifactValueError,
    CommandFailedError,
    CommandTask,
    Input,
    Output,
    run_command_task,
)
from flytekitplugins.artifacts.flyte.command import command_task_resolver

# Run against every supported flytekit minor too (make compat).
pytestmark = pytest.mark.compat

HERE = os.path.dirname(os.path.abspath(__file__))

Results = Artifact(name="Results", type=DATA)

# Module level, so the resolver finds it by its variable name.
module_level_echo = CommandTask(
    name="module-level-echo",
    command='printf "%s!" "$INPUT_WORD" > "$OUTPUT_SHOUT"',
    inputs={"word": str},
    outputs={"shout": str},
)


def only_records():
    store = ArtifactStore()
    runs = store.executions()
    assert len(runs) == 1, runs
    return store.records(runs[0]["execution_id"])


# ---- what the command sees and returns ------------------------------------------------------------------------


def test_primitive_inputs_reach_the_command_as_files_and_variables():
    task = CommandTask(
        name="echo-inputs",
        command=(
            'for n in text count ratio flag; do printf "%s=%s;" "$n" "$(cat "$FLYTE_INPUTS_DIR/$n")"; done '
            '> "$OUTPUT_FILES";'
            'printf "%s|%s|%s|%s" "$INPUT_TEXT" "$INPUT_COUNT" "$INPUT_RATIO" "$INPUT_FLAG" > "$OUTPUT_VARS"'
        ),
        inputs=[Input("text", str), Input("count", int), Input("ratio", float), Input("flag", bool)],
        outputs=[Output("files", str), Output("vars", str)],
    )
    files, variables = task(text="two words", count=7, ratio=0.25, flag=True)
    assert files == "text=two words;count=7;ratio=0.25;flag=true;"
    assert variables == "two words|7|0.25|true"


def test_primitive_outputs_are_read_back_from_their_files():
    task = CommandTask(
        name="primitives",
        command=(
            'echo 42 > "$OUTPUT_ANSWER"; printf " 2.5\\n" > "$OUTPUT_HALF"; echo TRUE > "$OUTPUT_OK";'
            'printf "line one\\nline two\\n" > "$OUTPUT_TEXT"'
        ),
        outputs=[Output("answer", int), Output("half", float), Output("ok", bool), Output("text", str)],
    )
    answer, half, ok, text = task()
    assert (answer, half, ok) == (42, 2.5, True)
    assert isinstance(answer, int) and isinstance(ok, bool)
    assert text == "line one\nline two"  # one trailing newline dropped, inner ones kept


def test_file_input_is_a_private_copy(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("a,b\n1,2\n")
    task = CommandTask(
        name="file-input",
        command='cat "$INPUT_TABLE" > "$OUTPUT_COPY"; test "$INPUT_TABLE" = "$FLYTE_INPUTS_DIR/table"; '
        'echo changed > "$INPUT_TABLE"',
        inputs={"table": FlyteFile[TypeVar("csv")]},
        outputs={"copy": FlyteFile},
    )
    out = task(table=str(src))
    with open(out, encoding="utf-8") as f:
        assert f.read() == "a,b\n1,2\n"
    assert src.read_text() == "a,b\n1,2\n"  # the command wrote to its copy, not to the user's file


def test_directory_input_and_output(tmp_path):
    src = tmp_path / "folder"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "x.txt").write_text("x")
    task = CommandTask(
        name="dirs",
        command='cp -r "$INPUT_TREE" "$OUTPUT_TREE_COPY" && echo y > "$OUTPUT_TREE_COPY/y.txt"',
        inputs={"tree": FlyteDirectory},
        outputs={"tree_copy": FlyteDirectory},
    )
    out = task(tree=str(src))
    assert sorted(os.listdir(out)) == ["sub", "y.txt"]
    assert open(os.path.join(out, "sub", "x.txt")).read() == "x"


def test_runs_in_the_folder_of_the_declaring_file_by_default(tmp_path):
    default = CommandTask(name="where", command='pwd -P > "$OUTPUT_WHERE"', outputs={"where": str})
    assert default() == os.path.realpath(HERE)
    (tmp_path / "sub").mkdir()
    explicit = CommandTask(
        name="where2", command='pwd -P > "$OUTPUT_WHERE"', outputs={"where": str}, cwd=str(tmp_path / "sub")
    )
    assert explicit() == os.path.realpath(tmp_path / "sub")
    flows = os.path.relpath(os.path.join(TESTS, "flows"), HERE)  # a folder relative to this file's
    relative = CommandTask(name="where3", command='pwd -P > "$OUTPUT_WHERE"', outputs={"where": str}, cwd=flows)
    assert relative() == os.path.realpath(os.path.join(TESTS, "flows"))


def test_script_commands_run_with_their_interpreter_and_python_is_this_one(tmp_path):
    (tmp_path / "hello.py").write_text("import os, sys\nopen(os.environ['OUTPUT_EXE'], 'w').write(sys.executable)\n")
    task = CommandTask(name="script", command="hello.py", outputs={"exe": str}, cwd=str(tmp_path))
    assert os.path.realpath(task()) == os.path.realpath(sys.executable)
    argv = CommandTask(
        name="argv",
        command=["python", "-c", "import os,sys; open(os.environ['OUTPUT_EXE'],'w').write(sys.executable)"],
        outputs={"exe": str},
    )
    assert os.path.dirname(argv()) == os.path.dirname(sys.executable)


def test_environment_reaches_the_command():
    task = CommandTask(
        name="env",
        command='printf "%s" "$GREETING" > "$OUTPUT_OUT"',
        outputs={"out": str},
        environment={"GREETING": "hi"},
    )
    assert task() == "hi"


# ---- inside workflows -----------------------------------------------------------------------------------------


def test_artifact_output_is_recorded_after_a_real_local_run():
    @workflow
    def wf(rows: int = 3) -> FlyteFile:
        table = run_command_task(
            flyte_task_name="Make table",
            command='i=0; echo n > "$OUTPUT_TABLE"; '
            'while [ $i -lt "$INPUT_ROWS" ]; do i=$((i+1)); echo $i >> "$OUTPUT_TABLE"; done',
            inputs=[Input(name="rows", type=int, value=rows)],
            output_specs=[Output(name="table", type=Results.File(name="table.csv"))],
            use_project_defaults_for_omitted=True,
            environment_name="Domino Standard Environment",
            hardware_tier_id="small-k8s",
        )
        report = run_command_task(
            flyte_task_name="Summarise",
            command='echo "rows: $(($(wc -l < "$INPUT_TABLE") - 1))" > "$OUTPUT_SUMMARY"',
            inputs=[Input(name="table", type=FlyteFile[TypeVar("csv")], value=table["table"])],
            output_specs=[Output(name="summary", type=Artifact("Summary", REPORT).File(name="summary", type="txt"))],
        )
        return report

    wf(rows=4)
    recs = {r.filename: r for r in only_records()}
    assert set(recs) == {"table.csv", "summary"}
    table, summary = recs["table.csv"], recs["summary"]
    assert (table.artifact, table.type, table.output_name, table.node_id) == ("Results", "DATA", "table", "n0")
    assert table.task.endswith("wf.Make table")
    assert (summary.artifact, summary.type, summary.file_type) == ("Summary", "REPORT", "txt")
    expected = b"n\n1\n2\n3\n4\n"
    with open(table.uri, "rb") as f:
        data = f.read()
    assert data == expected
    assert table.sha256 == hashlib.sha256(expected).hexdigest() and table.size == len(expected)
    with open(summary.uri, "rb") as f:
        assert f.read() == b"rows: 4\n"


def test_artifact_output_of_a_task_run_on_its_own_is_recorded():
    task = CommandTask(
        name="alone", command='printf "x,y\\n" > "$OUTPUT_T"', outputs={"t": Results.File(name="alone.csv")}
    )
    task()
    (rec,) = only_records()
    assert (rec.artifact, rec.filename, rec.output_name, rec.task) == ("Results", "alone.csv", "t", "alone")
    with open(rec.uri, "rb") as f:
        assert f.read() == b"x,y\n"


def test_results_index_by_output_name_and_unpack():
    @workflow
    def wf() -> typing.Tuple[str, str, str]:
        one = run_command_task(flyte_task_name="one", command='echo a > "$OUTPUT_A"', output_specs=[Output("a", str)])
        two = run_command_task(
            flyte_task_name="two",
            command='echo b > "$OUTPUT_B"; echo c > "$OUTPUT_C"',
            output_specs=[Output("b", str), Output("c", str)],
        )
        b, c = two
        assert two["c"] is c and two.b is b and two[0] is b
        return one["a"], two["b"], c

    assert wf() == ("a", "b", "c")


def test_command_tasks_can_be_ordered_without_data_between_them():
    @workflow
    def wf() -> typing.Tuple[str, str]:
        first = run_command_task(
            flyte_task_name="first",
            command='echo 1 > "$OUTPUT_A"; echo 2 > "$OUTPUT_B"',
            output_specs=[Output("a", str), Output("b", str)],
        )
        second = run_command_task(
            flyte_task_name="second",
            command='echo 3 > "$OUTPUT_C"; echo 4 > "$OUTPUT_D"',
            output_specs=[Output("c", str), Output("d", str)],
        )
        second >> first
        return first["a"], second["d"]

    assert wf() == ("1", "4")
    nodes = {n.id: n for n in wf.nodes}
    # Registered, "first" waits for "second" (local runs keep the order the body created the nodes in).
    assert [u.id for u in nodes["n0"].upstream_nodes] == ["n1"]


def test_asking_for_an_output_that_does_not_exist_names_the_real_ones():
    with pytest.raises(ArtifactValueError, match=r"no output 'model'.*'my_model'"):

        @workflow
        def wf() -> str:
            res = run_command_task(flyte_task_name="t", command="true", output_specs=[Output("my_model", str)])
            return res["model"]

        wf.compile()


def test_repeated_task_names_in_one_workflow_get_distinct_names():
    @workflow
    def wf() -> typing.Tuple[int, int]:
        a = run_command_task(flyte_task_name="step", command='echo 1 > "$OUTPUT_N"', output_specs=[Output("n", int)])
        b = run_command_task(flyte_task_name="step", command='echo 2 > "$OUTPUT_N"', output_specs=[Output("n", int)])
        return a, b

    assert wf() == (1, 2)
    names = [n.flyte_entity.name for n in wf.nodes if isinstance(n.flyte_entity, CommandTask)]
    assert names == [f"{wf.name}.step", f"{wf.name}.step-2"]


def test_python_interface_keeps_the_artifact_types():
    decl = Results.File(name="x.csv")
    task = CommandTask(name="iface", command="true", inputs={"p": str}, outputs={"x": decl, "n": int})
    assert task.python_interface.outputs == {"x": decl, "n": int}
    annotation = task.interface.outputs["x"].type.annotation.annotations["flytekitplugins.artifacts"]
    assert dict(annotation)["filename"] == "x.csv"


# ---- loading in a pod -----------------------------------------------------------------------------------------


def test_resolver_loads_module_level_and_workflow_body_tasks():
    args = command_task_resolver.loader_args(None, module_level_echo)
    assert args == ["module", "test_command", "module_level_echo"]
    assert command_task_resolver.load_task(args) is module_level_echo
    assert module_level_echo(word="hey") == "hey!"

    sys.path.insert(0, REPO)
    try:
        from examples import training
    finally:
        sys.path.remove(REPO)
    training.training_workflow.compile()
    prep = training.training_workflow.nodes[0].flyte_entity
    args = command_task_resolver.loader_args(None, prep)
    assert args == [
        "workflow",
        "examples.training",
        "training_workflow",
        "examples.training.training_workflow.Prep data",
    ]
    # A pod imports the module fresh (the workflow not compiled yet) and asks the resolver for the task.
    code = (
        "import json, sys\n"
        "from flytekitplugins.artifacts.flyte.command import command_task_resolver as r\n"
        "t = r.load_task(json.loads(sys.argv[1]))\n"
        "print(json.dumps([type(t).__name__, t.name, t.command, sorted(t.python_interface.outputs)]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [
        "CommandTask",
        prep.name,
        "python scripts/prep_data.py",
        ["processed_data"],
    ]
    with pytest.raises(ArtifactValueError, match=r"no command task named 'nope'"):
        command_task_resolver.load_task(["workflow", "examples.training", "training_workflow", "nope"])


def test_container_runs_pyflyte_execute_with_the_command_resolver():
    from flytekit.configuration import Image, ImageConfig, SerializationSettings

    settings = SerializationSettings(image_config=ImageConfig(default_image=Image(name="d", fqn="img", tag="1")))
    args = module_level_echo.get_default_command(settings)
    assert args[0] == "pyflyte-execute"
    assert args[args.index("--resolver") + 1] == "flytekitplugins.artifacts.flyte.command.command_task_resolver"
    assert args[args.index("--") + 1 :] == ["module", "test_command", "module_level_echo"]


# ---- failures ---------------------------------------------------------------------------------------------------


def test_non_zero_exit_fails_with_the_end_of_stderr():
    task = CommandTask(
        name="fails",
        command='for i in $(seq 1 60); do echo "noise $i" >&2; done; echo "the real reason" >&2; exit 3',
        outputs={"out": str},
    )
    with pytest.raises(CommandFailedError) as info:
        task()
    msg = str(info.value)
    assert "exited with status 3" in msg
    assert "the real reason" in msg and "noise 60" in msg
    assert "noise 1\n" not in msg  # only the tail
    assert isinstance(info.value, ArtifactValueError)


def test_non_zero_exit_inside_a_workflow_fails_the_run_and_records_nothing():
    @workflow
    def wf() -> Results.File(name="never.csv"):
        return run_command_task(
            flyte_task_name="broken",
            command='echo "cannot open data" >&2; exit 1',
            output_specs=[Output("data", FlyteFile[TypeVar("csv")])],
        )

    with pytest.raises(CommandFailedError, match=r"(?s)exited with status 1.*cannot open data"):
        wf()
    assert ArtifactStore().executions() == []


def test_missing_output_names_the_expected_path():
    task = CommandTask(
        name="forgetful",
        command='echo "dir=$FLYTE_OUTPUTS_DIR" >&2; echo ok > "$OUTPUT_WRITTEN"',
        outputs={"written": str, "result": FlyteFile},
    )
    with pytest.raises(CommandFailedError) as info:
        task()
    msg = str(info.value)
    assert "did not write its output 'result'" in msg
    outputs_dir = msg.split("| dir=", 1)[1].split("\n", 1)[0].strip()  # from the stderr tail in the message
    assert f"expected a file at {os.path.join(outputs_dir, 'result')} " in msg
    assert "$OUTPUT_RESULT" in msg


def test_output_of_the_wrong_kind_fails():
    folder_for_file = CommandTask(name="dir-not-file", command='mkdir "$OUTPUT_F"', outputs={"f": FlyteFile})
    with pytest.raises(CommandFailedError, match=r"expected a file at .*/f \(something else is there: a folder\)"):
        folder_for_file()
    bad_int = CommandTask(name="bad-int", command='echo many > "$OUTPUT_N"', outputs={"n": int})
    with pytest.raises(CommandFailedError, match=r"output 'n' is declared as int but the command wrote 'many' to .*/n"):
        bad_int()
    bad_bool = CommandTask(name="bad-bool", command='echo maybe > "$OUTPUT_B"', outputs={"b": bool})
    with pytest.raises(CommandFailedError, match=r"true/false"):
        bad_bool()


def test_wrong_input_value_type_is_rejected_before_running():
    with pytest.raises(ArtifactTypeError, match=r"input 'count' is declared as int but got 'three' of type str"):
        run_command_task(flyte_task_name="t", command="true", inputs=[Input(name="count", type=int, value="three")])
    with pytest.raises(ArtifactTypeError, match=r"input 'flag' is declared as bool but got 1"):
        run_command_task(flyte_task_name="t", command="true", inputs=[Input(name="flag", type=bool, value=1)])
    task = CommandTask(name="typed", command="true", inputs={"path": FlyteFile, "n": int})
    with pytest.raises(ArtifactTypeError, match=r"input 'path' is declared as FlyteFile but got 3"):
        task(path=3, n=1)
    with pytest.raises(ArtifactValueError, match=r"unknown: \['m'\].*missing: \['n'\]"):
        task(path="x", m=1)


def test_unsupported_declared_types_are_rejected():
    with pytest.raises(ArtifactTypeError, match=r"input 'cfg' has type .*dict.* use str, int, float, bool, FlyteFile"):
        CommandTask(name="t", command="true", inputs={"cfg": dict})
    with pytest.raises(ArtifactTypeError, match=r"output 'rows' has type"):
        run_command_task(flyte_task_name="t", command="true", output_specs=[Output("rows", typing.List[int])])


def test_input_without_value_is_rejected():
    with pytest.raises(ArtifactValueError, match=r"input 'x' of command task 't' has no value"):
        run_command_task(flyte_task_name="t", command="true", inputs=[Input(name="x", type=str)])


@pytest.mark.parametrize("command", ["", "   ", [], [""]])
def test_empty_command_is_rejected(command):
    with pytest.raises(ArtifactValueError, match=r"empty command"):
        CommandTask(name="empty", command=command)


def test_command_of_the_wrong_type_is_rejected():
    with pytest.raises(ArtifactTypeError, match=r"command must be a string .* or a list of strings"):
        CommandTask(name="t", command=42)
    with pytest.raises(ArtifactTypeError, match=r"every word of a command list must be a string"):
        CommandTask(name="t", command=["echo", 1])
    with pytest.raises(ArtifactValueError, match=r"check its quotes"):
        CommandTask(name="t", command='echo "unterminated')


def test_bad_names_are_rejected():
    with pytest.raises(ArtifactValueError, match=r"output name 'processed data' is not usable"):
        CommandTask(name="t", command="true", outputs={"processed data": str})
    with pytest.raises(ArtifactValueError, match=r"two entries named 'a'"):
        CommandTask(name="t", command="true", outputs=[Output("a", str), Output("a", int)])
    with pytest.raises(ArtifactValueError, match=r"both an input and an output"):
        CommandTask(name="t", command="true", inputs={"a": str}, outputs={"a": str})
    with pytest.raises(ArtifactValueError, match=r"'data' and 'Data', which would share the variable \$INPUT_DATA"):
        CommandTask(name="t", command="true", inputs={"data": str, "Data": str})
    with pytest.raises(ArtifactValueError, match=r"needs a name"):
        run_command_task(flyte_task_name=" ", command="true")


def test_program_that_does_not_exist():
    shell = CommandTask(name="nope", command="no-such-program-here --flag", outputs={"o": str})
    with pytest.raises(CommandFailedError, match=r"(?s)exited with status 127.*no-such-program-here"):
        shell()
    direct = CommandTask(name="nope2", command=["no-such-program-here"], outputs={"o": str})
    with pytest.raises(CommandFailedError, match=r"cannot start `no-such-program-here`"):
        direct()


def test_missing_working_directory(tmp_path):
    task = CommandTask(name="t", command="true", cwd=str(tmp_path / "gone"))
    with pytest.raises(CommandFailedError, match=r"runs in .*gone, which is not a folder"):
        task()


def test_timeout_stops_the_command_and_its_children(tmp_path):
    pid_file = tmp_path / "child.pid"
    task = CommandTask(
        name="slow",
        command=f'sleep 60 & echo $! > "{pid_file}"; echo "started" >&2; wait',
        outputs={"o": str},
        timeout=1,
    )
    with pytest.raises(CommandFailedError, match=r"(?s)did not finish within 1 s.*started.*Raise timeout="):
        task()
    pid = int(pid_file.read_text())
    status = f"/proc/{pid}/status"
    if os.path.exists(status):  # a killed child may linger as a zombie until reaped
        with open(status) as f:
            assert "\nState:\tZ" in f.read()
    with pytest.raises(ArtifactValueError, match=r"timeout must be"):
        CommandTask(name="t", command="true", timeout=-1)


def test_unknown_keywords_warn_and_domino_keywords_do_not():
    @workflow
    def quiet() -> str:
        return run_command_task(
            flyte_task_name="q",
            command='echo q > "$OUTPUT_O"',
            output_specs=[Output("o", str)],
            use_project_defaults_for_omitted=True,
            environment_name="x",
            hardware_tier_id="small-k8s",
        )

    with warnings.catch_warnings():
        # The plugin's warnings are UserWarnings; flytekit 1.15 itself warns (DeprecationWarning) on every task it
        # builds, as its base task reads its own deprecated ``disable_deck``.
        warnings.simplefilter("error", UserWarning)
        assert quiet() == "q"
    with pytest.warns(UserWarning, match=r"ignores the keyword\(s\) \['hardware_tier'\]"):

        @workflow
        def loud() -> str:
            return run_command_task(
                flyte_task_name="l", command='echo l > "$OUTPUT_O"', output_specs=[Output("o", str)], hardware_tier="x"
            )

        loud.compile()


def test_options_reach_the_task_the_same_whichever_way_they_are_given(tmp_path):
    import datetime

    from flytekit import Resources, Secret

    from flytekitplugins.artifacts.domino.helpers import run_domino_job_task
    from flytekitplugins.artifacts.flyte.command import TaskOptions

    given = dict(cwd=str(tmp_path), environment={"A": "b"}, timeout=30, retries=2, cache=True, cache_version="v1",
                 cache_ignore_input_vars=["n"], container_image="ghcr.io/example/cmd:1",
                 requests=Resources(cpu="1"), limits=Resources(cpu="2"))

    def facts(t):
        m = t.metadata
        return (m.retries, m.timeout, m.cache, m.cache_version, tuple(m.cache_ignore_input_vars), t.container_image,
                t.resources.requests, t.resources.limits, t.environment, t.working_directory, t._timeout_seconds)

    @workflow
    def both(n: int):
        run_command_task(flyte_task_name="r", command="true", inputs=[Input("n", int, n)], **given)
        run_domino_job_task(flyte_task_name="d", command="true", inputs=[Input("n", int, n)], **given)

    both.compile()
    tasks = [
        CommandTask(name="k", command="true", inputs={"n": int}, **given),
        CommandTask(name="o", command="true", inputs={"n": int}, options=TaskOptions(**given)),
        *(node.flyte_entity for node in both.nodes),
    ]
    assert [t.name.rsplit(".", 1)[-1] for t in tasks] == ["k", "o", "r", "d"]
    expected = (2, datetime.timedelta(seconds=30), True, "v1", ("n",), "ghcr.io/example/cmd:1", Resources(cpu="1"),
                Resources(cpu="2"), {"A": "b"}, str(tmp_path), 30.0)
    assert [facts(t) for t in tasks] == [expected] * 4
    plain = CommandTask(name="plain", command="true", secret_requests=[Secret(group="g", key="k")])
    assert facts(plain)[:6] == (0, None, False, "", (), None) and plain.environment == {}
    assert [s.group for s in plain.security_context.secrets] == ["g"]  # flytekit's own keywords pass through
    with pytest.raises(ArtifactTypeError, match=r"got options= and also \['retries'\] as keywords"):
        CommandTask(name="twice", command="true", options=TaskOptions(), retries=1)
    with pytest.raises(ArtifactTypeError, match=r"options of command task 'bad' must be a TaskOptions"):
        CommandTask(name="bad", command="true", options={"retries": 1})
    with pytest.raises(ArtifactTypeError, match=r"cwd must be a path, got 3"):
        CommandTask(name="cwd", command="true", cwd=3)
