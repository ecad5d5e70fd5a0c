"""`livecoach doctor`'s pose-model row, without loading the model."""
from __future__ import annotations

from livecoach.cli import doctor
from livecoach.config.schema import load_config


def test_the_model_row_warns_when_dark_frames_cannot_keep_their_edges(monkeypatch) -> None:
    """Without OpenCV's contrib modules dark frames are smoothed by a Gaussian: the session runs,
    and the pose-model row says what that costs and how to get the modules back."""
    class Estimator:
        def __init__(self, pose, width, keeps_edges):
            self.edge_filter_missing = not keeps_edges

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def estimate(self, frame):
            return None

    config = load_config()
    for keeps_edges, status in ((True, doctor.OK), (False, doctor.WARN)):
        monkeypatch.setattr(doctor, "MediaPipePoseEstimator",
                            lambda pose, width, k=keeps_edges: Estimator(pose, width, k))
        row = doctor._model(config)
        assert row.status == status and "loads in" in row.detail
    assert "contrib" in row.detail and "opencv-contrib-python" in row.fix and not row.essential
