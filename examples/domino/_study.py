"""Shared set-up for this folder's job scripts: the example study's helpers and data, one folder up.

A Domino project keeps such helpers next to its scripts; here they are shared with the other examples, so each
script imports this module first. Scripts read their inputs from /workflow/inputs/<name> and write their outputs
to /workflow/outputs/<name>, as Domino jobs do. Where /workflow itself cannot be used (the tests, several runs on
one machine), FLYTE_DOMINO_WORKFLOW_DIR names the folder the plugin uses instead, and the scripts follow it.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(EXAMPLES, "scripts"))

SDTM = os.path.join(EXAMPLES, "data", "sdtm")
MEASUREMENTS = os.path.join(EXAMPLES, "data", "measurements.csv")
WORKFLOW = os.environ.get("FLYTE_DOMINO_WORKFLOW_DIR") or "/workflow"
INPUTS = os.path.join(WORKFLOW, "inputs")
OUTPUTS = os.path.join(WORKFLOW, "outputs")


def output(name):
    """Where the job writes its output ``name``."""
    return os.path.join(OUTPUTS, name)


def input_path(name):
    """Where the job finds its input ``name``."""
    return os.path.join(INPUTS, name)


def read_input(name):
    """The text of the job's input ``name`` (the value of a string input)."""
    with open(input_path(name), encoding="utf-8") as f:
        return f.read()
