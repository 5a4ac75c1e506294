"""flytekit's Artifact and this plugin's are different classes: each one used where the other is expected is a
clear error naming both, and the plugin's query class has a name of its own."""

import typing
import warnings

import pandas as pd
import pytest
from flytekit import Artifact as FlytekitArtifact
from flytekit import task, workflow
from flytekit.core.artifact import Inputs as FlytekitInputs

from flytekitplugins.artifacts import DATA, Artifact, ArtifactFileQuery, ArtifactTypeError, ExportArtifactToDatasetsSpec

Rides = FlytekitArtifact(name="ride_count", partition_keys=["region"])
Ours = Artifact("Ride Counts", DATA, partition_keys=["region"])


def test_flytekit_artifact_where_ours_is_expected_names_both():
    with pytest.raises(ArtifactTypeError) as info:
        ExportArtifactToDatasetsSpec(artifact=Rides, dataset_id="rides")
    text = str(info.value)
    assert "flytekit's Artifact 'ride_count' (flytekit.Artifact)" in text
    assert "this plugin's Artifact (flytekitplugins.artifacts.Artifact)" in text
    with pytest.raises(ArtifactTypeError, match="flytekit's Artifact 'ride_count'"):
        Artifact(Rides, DATA)
    with pytest.raises(ArtifactTypeError, match="flytekit's ArtifactQuery"):
        ExportArtifactToDatasetsSpec(artifact=Rides.query(region="SEA"), dataset_id="rides")


def test_our_artifact_where_flytekits_is_expected_names_both():
    with pytest.raises(ArtifactTypeError, match="called like flytekit's Artifact"):
        Ours(region=FlytekitInputs.region)

    @task
    def count() -> typing.Annotated[pd.DataFrame, Ours]:
        return pd.DataFrame({"n": [1]})

    with pytest.raises(ArtifactTypeError) as info:

        @workflow
        def wf() -> pd.DataFrame:
            return count()

        wf()
    text = str(info.value)
    assert "output 'o0'" in text and "Artifact(name='Ride Counts'" in text and "flytekit.Artifact" in text
    assert ".File(name='<file name>')" in text


def test_flytekit_values_in_our_query_are_refused():
    with pytest.raises(ArtifactTypeError, match="partition 'region' got flytekit's"):
        Ours.query("rides.csv", region=FlytekitInputs.region)


def test_query_class_has_its_own_name_and_the_old_one_warns():
    q = Ours.query("rides.csv", region="SEA")
    assert type(q) is ArtifactFileQuery and type(q).__name__ != "ArtifactQuery"
    with pytest.warns(DeprecationWarning, match="use ArtifactFileQuery"):
        from flytekitplugins.artifacts import ArtifactQuery
    assert ArtifactQuery is ArtifactFileQuery
    with pytest.warns(DeprecationWarning):
        from flytekitplugins.artifacts.flyte.query import ArtifactQuery as Old
    assert Old is ArtifactFileQuery
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from flytekitplugins.artifacts import ArtifactFileQuery as New  # noqa: F401 - the new name is silent
