"""A trigger whose runs ``triggers run --remote`` launches through the fake FlyteRemote (``fake_remote``, put in
place when this module is imported, as a test of the cluster boundary)."""

from flytekitplugins.artifacts import Trigger, on_artifact

from . import fake_remote
from .triggers import ADaM, tfl_reports

fake_remote.install()

on_adsl_remote = Trigger(on=on_artifact(ADaM, filename="adsl.xpt"), launch=tfl_reports, input="adsl",
                         name="remote-tfl")
