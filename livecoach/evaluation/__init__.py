"""Accuracy on labelled clips (`livecoach eval`): manifest, landmark cache, replay, metrics,
report; label-preserving transforms (augment; image_transforms is the cv2 adapter); scores by
source and leave-one-source-out (generalisation, loso); the naive baseline counter."""
