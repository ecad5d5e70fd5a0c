"""Frame sources (camera, video), the capture thread and the pose adapter. [cv2, mediapipe]"""
