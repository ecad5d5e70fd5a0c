"""LiveCoach: a real-time push-up coach for a laptop webcam."""

__version__ = "0.1.0"
