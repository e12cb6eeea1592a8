import sys

from desktop_app.launcher import main

if __name__ == "__main__":  # the training process (multiprocessing spawn) imports this module too
    sys.exit(main())
