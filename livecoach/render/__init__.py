"""Drawing: the overlay, the window, video writers and JPEG pictures. [cv2]"""
