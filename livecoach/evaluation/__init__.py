"""Accuracy on labelled clips: manifest, landmark cache, replay, metrics (`livecoach eval`)."""
